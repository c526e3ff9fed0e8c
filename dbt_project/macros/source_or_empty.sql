{#-
    Return the source table with every column its YAML entry declares. A landing folder may
    hold any subset of sources (the Olist funnel alone, say), and a real export may lack a
    column the simulator writes (a HubSpot company without `property_domain`). Staging must
    still build, so:
    - a missing table becomes an empty relation with the declared columns;
    - a declared column missing from the table is added as null, and dbt logs which.
    Every added column is varchar, as the raw layer stores values.
-#}
{% macro source_or_empty(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if not execute -%}
        {{ relation }}
    {%- else -%}
        {%- set node = graph.sources['source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name] -%}
        {%- set declared = node.columns.keys() | list -%}
        {%- set found = adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=relation.identifier
        ) -%}
        {%- if found is none and declared | length == 0 -%}
            {{ exceptions.raise_compiler_error(
                "raw table " ~ relation ~ " is missing and source " ~ source_name ~ "."
                ~ table_name ~ " declares no columns to build an empty stand-in from"
            ) }}
        {%- elif found is none -%}
            (
                select
                    {%- for column in declared %}
                    cast(null as varchar) as {{ adapter.quote(column) }}{{ "," if not loop.last }}
                    {%- endfor %}
                where false
            )
        {%- else -%}
            {%- set present = adapter.get_columns_in_relation(found)
                | map(attribute='name') | map('lower') | list -%}
            {%- set missing = [] -%}
            {%- for column in declared if column | lower not in present -%}
                {%- do missing.append(column) -%}
            {%- endfor -%}
            {%- if missing | length == 0 -%}
                {{ relation }}
            {%- else -%}
                {{ log(
                    "raw table " ~ relation ~ " lacks declared column(s) " ~ missing | join(", ")
                    ~ "; staging reads them as null", info=true
                ) }}
                (
                    select
                        *,
                        {%- for column in missing %}
                        cast(null as varchar) as {{ adapter.quote(column) }}{{ "," if not loop.last }}
                        {%- endfor %}
                    from {{ relation }}
                )
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
