{{/*
The control plane's data retention settings (values `retention.*`) as container env
entries, a YAML list (read it with fromYamlArray). Each maps to the BOSUN_* variable
src/bosun/server/settings.py reads; a value at the server's default (or null) renders
nothing, so a default install's env is unchanged. The defaults are checked against
Settings by tests/unit/charts/test_charts_retention.py.
*/}}
{{- define "bosun.retentionEnv" -}}
{{- $ret := .Values.retention | default dict -}}
{{- $env := list -}}
{{- range $item := list (list "auditDays" "BOSUN_AUDIT_RETENTION_DAYS" 90.0) (list "meteringDays" "BOSUN_METERING_RETENTION_DAYS" 400.0) (list "taskDays" "BOSUN_TASK_RETENTION_DAYS" 0.0) (list "intervalSeconds" "BOSUN_RETENTION_INTERVAL_SECONDS" 3600.0) -}}
{{- /* null (a values file's way to unset) removes the key: the server's default */ -}}
{{- $value := get $ret (index $item 0) -}}
{{- if and (hasKey $ret (index $item 0)) (not (kindIs "invalid" $value)) (ne (float64 $value) (index $item 2)) -}}
{{- /* whole numbers as integers: a values file's 1000000 is a float64, printed 1e+06 */ -}}
{{- $text := ternary (toString (int64 $value)) (toString $value) (eq (float64 $value) (floor $value)) -}}
{{- $env = append $env (dict "name" (index $item 1) "value" $text) -}}
{{- end -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}
