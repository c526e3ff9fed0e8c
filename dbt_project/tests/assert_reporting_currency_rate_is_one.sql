-- The reporting currency (var `reporting_currency`) converts to itself at 1: returns a row when
-- currency_rates lacks it or gives it another rate.
select
    '{{ var("reporting_currency") }}' as reporting_currency,
    max(rate_to_reporting) as rate_to_reporting
from {{ ref('currency_rates') }}
where currency = '{{ var("reporting_currency") }}'
having count(*) != 1 or max(rate_to_reporting) != 1
