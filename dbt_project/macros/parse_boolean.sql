{#-
    Read a text boolean as the loaders accept it: true, false, t, f, 1 or 0, trimmed and in
    any case (ingest/validate.py quarantines any other value). Empty text or null is null.
-#}
{% macro parse_boolean(column) -%}
    (
        case
            when lower(trim({{ column }})) in ('true', 't', '1') then true
            when lower(trim({{ column }})) in ('false', 'f', '0') then false
        end
    )
{%- endmacro %}
