{#-
    Return the source table, or an empty relation with the source's declared columns when the
    landing folder had no files for it. A landing folder may hold any subset of sources (the
    Olist funnel alone, say), and staging must still build. The columns come from the source's
    YAML entry, every one as varchar, as the raw layer stores them.
-#}
{% macro source_or_empty(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if execute -%}
        {%- set found = adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=relation.identifier
        ) -%}
        {%- if found is none -%}
            {%- set node = graph.sources['source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name] -%}
            {%- set columns = node.columns.keys() | list -%}
            {%- if columns | length == 0 -%}
                {{ exceptions.raise_compiler_error(
                    "raw table " ~ relation ~ " is missing and source " ~ source_name ~ "."
                    ~ table_name ~ " declares no columns to build an empty stand-in from"
                ) }}
            {%- endif -%}
            (
                select
                    {%- for column in columns %}
                    cast(null as varchar) as {{ adapter.quote(column) }}{{ "," if not loop.last }}
                    {%- endfor %}
                where false
            )
        {%- else -%}
            {{ relation }}
        {%- endif -%}
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}
