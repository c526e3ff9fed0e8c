{#-
    Cast an ISO 8601 text time stamp to `timestamptz`, read as UTC when it has no offset.
    The raw layer keeps the original text; staging calls this once per time stamp column.
-#}
{% macro parse_timestamp_utc(column) -%}
    cast(nullif(trim({{ column }}), '') as timestamptz)
{%- endmacro %}
