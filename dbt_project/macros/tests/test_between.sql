{#- Fails on every row whose column lies outside [min_value, max_value]; nulls pass. -#}
{% test between(model, column_name, min_value, max_value) %}

select {{ column_name }} as failing_value
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}

{% endtest %}
