{#- Fails on every row where the column exceeds another column of the same row (a part larger
    than its whole, say); rows with a null in either column pass. -#}
{% test not_greater_than_column(model, column_name, other_column) %}

select
    {{ column_name }} as failing_value,
    {{ other_column }} as limit_value
from {{ model }}
where {{ column_name }} > {{ other_column }}

{% endtest %}
