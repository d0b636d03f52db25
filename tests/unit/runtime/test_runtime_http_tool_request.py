"""How an HTTP tool call becomes a request: templates, escaping, where other arguments go."""

from __future__ import annotations

import json

from bosun.api.config import HttpToolSettings
from bosun.runtime.http_tool import build_request


def settings(**kw: object) -> HttpToolSettings:
    return HttpToolSettings.model_validate({"name": "t", "ref": "ns/t", "url": "http://h/x", **kw})


def test_get_puts_unused_arguments_in_the_query_and_encodes_the_path() -> None:
    request = build_request(
        settings(url="http://h/items/{id}"), {"id": "a/b?c", "limit": 5, "q": "x y"}
    )
    assert request == {
        "method": "GET",
        "url": "http://h/items/a%2Fb%3Fc",
        "params": {"limit": "5", "q": "x y"},
    }


def test_post_without_a_body_template_sends_unused_arguments_as_json() -> None:
    request = build_request(settings(method="POST"), {"a": 1, "b": ["x"]})
    assert request["json"] == {"a": 1, "b": ["x"]} and "content" not in request


def test_a_body_template_is_json_escaped_unless_the_content_type_is_not_json() -> None:
    body = '{"text": "{msg}", "n": {n}}'
    request = build_request(settings(method="PUT", body=body), {"msg": 'say "hi"\n', "n": 3})
    assert json.loads(request["content"]) == {"text": 'say "hi"\n', "n": 3}
    assert request["headers"] == {"Content-Type": "application/json"}
    plain = build_request(
        settings(method="POST", body="msg={msg}", content_type="text/plain"), {"msg": 'a "b"'}
    )
    assert plain["content"] == b'msg=a "b"'
    unknown = build_request(settings(url="http://h/{missing}"), {})
    assert unknown["url"] == "http://h/{missing}"  # the translator refuses these earlier
