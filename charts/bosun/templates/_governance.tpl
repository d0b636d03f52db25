{{/*
The control plane's governance settings (values `governance.*`, `auth.roles`,
`metrics.enabled`) as container env entries, a YAML list (read it with fromYamlArray).
Each value maps to the BOSUN_* variable src/bosun/server/settings.py reads (prefix
BOSUN_ + the field name; the operator reads BOSUN_MODEL_GATEWAY too, ControllerSettings).
A value at the server's default renders nothing, so a default install's env is unchanged;
the defaults are checked against Settings by tests/unit/charts/test_charts_governance.py.
*/}}
{{- define "bosun.governanceEnv" -}}
{{- $gov := .Values.governance -}}
{{- $env := list -}}
{{- if $gov.modelGateway.routeByDefault -}}
{{- $env = append $env (dict "name" "BOSUN_MODEL_GATEWAY" "value" "true") -}}
{{- end -}}
{{- $audience := $gov.modelGateway.audience | default "bosun" -}}
{{- if ne $audience "bosun" -}}
{{- fail (printf "governance.modelGateway.audience is %q: the operator projects agents' gateway tokens with audience bosun (src/bosun/api/gateway.py AUDIENCE), so the gateway would refuse every agent; leave it bosun" $audience) -}}
{{- end -}}
{{- /* null (a values file's way to unset) means the server's default, as for the others */ -}}
{{- $refresh := $gov.policies.refreshSeconds -}}
{{- if and (not (kindIs "invalid" $refresh)) (ne (float64 $refresh) 2.0) -}}
{{- /* whole numbers as integers: a values file's 1000000 is a float64, printed 1e+06 */ -}}
{{- $text := ternary (toString (int64 $refresh)) (toString $refresh) (eq (float64 $refresh) (floor $refresh)) -}}
{{- $env = append $env (dict "name" "BOSUN_POLICY_REFRESH" "value" $text) -}}
{{- end -}}
{{- /* booleans that default to on: only an explicit false turns them off */ -}}
{{- if eq (toString $gov.audit.stdout) "false" -}}
{{- $env = append $env (dict "name" "BOSUN_AUDIT_STDOUT" "value" "false") -}}
{{- end -}}
{{- with $gov.audit.file -}}
{{- $env = append $env (dict "name" "BOSUN_AUDIT_FILE" "value" .) -}}
{{- end -}}
{{- if $gov.audit.bodies -}}
{{- $env = append $env (dict "name" "BOSUN_AUDIT_BODIES" "value" "true") -}}
{{- end -}}
{{- with $gov.mcp.allowedHosts -}}
{{- $env = append $env (dict "name" "BOSUN_ALLOWED_HOSTS" "value" (toJson .)) -}}
{{- end -}}
{{- with $gov.mcp.allowedOrigins -}}
{{- $env = append $env (dict "name" "BOSUN_ALLOWED_ORIGINS" "value" (toJson .)) -}}
{{- end -}}
{{- with .Values.auth.roles -}}
{{- if eq $.Values.auth.mode "none" -}}
{{- fail "auth.roles needs auth.mode token or oidc: in mode none every caller is admin" -}}
{{- end -}}
{{- $env = append $env (dict "name" "BOSUN_RBAC" "value" (toJson .)) -}}
{{- end -}}
{{- if eq (toString .Values.metrics.enabled) "false" -}}
{{- if .Values.metrics.serviceMonitor.enabled -}}
{{- fail "metrics.serviceMonitor.enabled scrapes the control plane's /metrics: it needs metrics.enabled" -}}
{{- end -}}
{{- $env = append $env (dict "name" "BOSUN_METRICS" "value" "false") -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}
