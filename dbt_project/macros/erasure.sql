{#-
    Erasure in staging. The identity asset writes `identity.erased_records`: SHA-256 hashes
    of the record ids, emails and handles of every erased person, and no clear text. Staging
    drops rows that match a hash, so every model built on staging leaves the person out.

    The table is read by name, not declared as a source: identity resolution reads staging,
    so a declared source would close a cycle in the Dagster asset graph. Staging models are
    views, so a filter reads the list when a later model queries them; that is why the marts
    of the run that processes a request are already clean. `on-run-start` in dbt_project.yml
    creates the table empty before the first identity run.

    NOTE: raw tables keep the erased rows as loaded, and so do quarantined rows that name the
    person by handle or id only; an operator purges them (docs/known-shortcomings.md). The
    identity asset deletes quarantined rows that contain an erased email.
-#}
{% macro erased_records_relation() -%}
    identity.erased_records
{%- endmacro %}


{#- The SQL twin of `ml.identity.prepare.normalize_email`: lower case, no `mailto:`, no
    `+tag`, and no dots in Gmail local parts. The two must agree, since the identity asset
    hashes its normalized emails and staging compares them with this expression. -#}
{% macro normalized_email(column) -%}
    {%- set text = "regexp_replace(lower(trim(" ~ column ~ ")), '^mailto:', '')" -%}
    {%- set local = "regexp_replace(regexp_extract(" ~ text ~ ", '^(.*)@', 1), '\\+.*$', '')" -%}
    {%- set domain = "regexp_extract(" ~ text ~ ", '@([^@]*)$', 1)" -%}
    (
        case
            when not regexp_matches({{ text }}, '^.+@[^@]*\.[^@]*$') then null
            when {{ domain }} in ('gmail.com', 'googlemail.com')
                then nullif(replace({{ local }}, '.', ''), '') || '@gmail.com'
            else nullif({{ local }}, '') || '@' || {{ domain }}
        end
    )
{%- endmacro %}


{#- True when a row belongs to an erased person: its record id, email or handle hashes to an
    entry of the erasure list. Each argument is a SQL expression; pass the ones the model
    has. A null expression never matches. -#}
{% macro is_erased(record_id=none, email=none, handle=none) -%}
    {%- set checks = [] -%}
    {%- for key_type, expression in [
        ('record_id', record_id), ('email', normalized_email(email) if email else none),
        ('handle', handle)
    ] if expression -%}
        {%- do checks.append(
            "coalesce(sha256(" ~ expression ~ ") in (select key_sha256 from "
            ~ erased_records_relation() ~ " where key_type = '" ~ key_type ~ "'), false)"
        ) -%}
    {%- endfor -%}
    ({{ checks | join(' or ') }})
{%- endmacro %}
