"""Word lists for generated people and companies, written for this project."""

FIRST_NAMES: tuple[str, ...] = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "William",
    "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Christopher", "Karen", "Daniel", "Nancy", "Matthew", "Margaret", "Anthony", "Sandra",
    "Andrew", "Ashley", "Joshua", "Kimberly", "Steven", "Emily", "Kenneth", "Donna", "Edward",
    "Michelle", "Alexander", "Katherine", "Benjamin", "Rebecca", "Samuel", "Victoria", "Priya",
    "Wei", "Ahmed", "Fatima", "Hiroshi", "Yuki", "Lucas", "Sofia", "Mateo", "Camila", "Noah",
    "Olga", "Ivan", "Chloe", "Mohammed", "Aisha", "Lars", "Ingrid", "Pierre", "Amelie",
    "Giulia", "Marco", "Chen", "Mei", "Arjun", "Ananya", "Kwame", "Amara",
)  # fmt: skip

# Common short forms; a person may register with either form in different tools.
NICKNAMES: dict[str, str] = {
    "James": "Jim", "Robert": "Bob", "Patricia": "Pat", "John": "Jack", "Jennifer": "Jen",
    "Michael": "Mike", "William": "Bill", "Elizabeth": "Liz", "David": "Dave",
    "Barbara": "Barb", "Richard": "Rick", "Susan": "Sue", "Joseph": "Joe", "Jessica": "Jess",
    "Thomas": "Tom", "Christopher": "Chris", "Daniel": "Dan", "Matthew": "Matt",
    "Margaret": "Maggie", "Anthony": "Tony", "Andrew": "Andy", "Joshua": "Josh",
    "Kimberly": "Kim", "Steven": "Steve", "Kenneth": "Ken", "Edward": "Ed",
    "Alexander": "Alex", "Katherine": "Kate", "Benjamin": "Ben", "Rebecca": "Becky",
    "Samuel": "Sam", "Victoria": "Vicky", "Mohammed": "Mo",
}  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Patel", "Shah", "Kumar", "Singh",
    "Wang", "Li", "Zhang", "Liu", "Tanaka", "Suzuki", "Sato", "Mueller", "Schmidt", "Schneider",
    "Fischer", "Weber", "Dubois", "Laurent", "Rossi", "Russo", "Ferrari", "Silva", "Santos",
    "Oliveira", "Kowalski", "Nowak", "Ivanova", "Petrov", "Hansen", "Johansson", "Okafor",
    "Mensah", "Haddad", "Khan", "O'Brien", "MacDonald", "van der Berg", "De Luca",
)  # fmt: skip

COMPANY_PREFIXES: tuple[str, ...] = (
    "North", "Blue", "Bright", "Silver", "Iron", "Red", "Green", "Quantum", "Stellar", "Swift",
    "Cedar", "Granite", "Harbor", "Summit", "Pioneer", "Vector", "Orbit", "Maple", "Atlas",
    "Nimbus", "Copper", "Falcon", "Lumen", "Polar", "Crescent", "Signal", "Delta", "Prairie",
    "Beacon", "Tidal", "Aurora", "Meridian", "Cobalt", "Ember", "Horizon", "Juniper",
)  # fmt: skip

COMPANY_CORES: tuple[str, ...] = (
    "wind", "stack", "field", "forge", "point", "bridge", "works", "logic", "wave", "path",
    "grid", "labs", "byte", "scale", "flow", "base", "line", "mark", "loop", "sync",
)  # fmt: skip

COMPANY_SUFFIXES: tuple[str, ...] = (
    "Inc", "Ltd", "GmbH", "LLC", "Analytics", "Systems", "Software", "Health", "Capital",
    "Logistics", "Energy", "Retail", "Bank", "Media",
)  # fmt: skip

TOP_LEVEL_DOMAINS: tuple[str, ...] = ("com", "com", "com", "io", "co", "dev", "ai", "net")

FREE_MAIL_DOMAINS: tuple[str, ...] = (
    "gmail.com", "gmail.com", "gmail.com", "outlook.com", "yahoo.com", "hotmail.com",
    "proton.me", "icloud.com",
)  # fmt: skip

INDUSTRIES: tuple[str, ...] = (
    "COMPUTER_SOFTWARE", "FINANCIAL_SERVICES", "HOSPITAL_HEALTH_CARE", "RETAIL",
    "LOGISTICS_AND_SUPPLY_CHAIN", "TELECOMMUNICATIONS", "MARKETING_AND_ADVERTISING",
    "EDUCATION_MANAGEMENT", "RENEWABLES_ENVIRONMENT", "INFORMATION_TECHNOLOGY_AND_SERVICES",
)  # fmt: skip

# (country, region, share of accounts)
COUNTRIES: tuple[tuple[str, str, float], ...] = (
    ("United States", "NA", 0.38),
    ("Canada", "NA", 0.05),
    ("United Kingdom", "EMEA", 0.1),
    ("Germany", "EMEA", 0.09),
    ("France", "EMEA", 0.06),
    ("Netherlands", "EMEA", 0.04),
    ("Nigeria", "EMEA", 0.03),
    ("India", "APAC", 0.09),
    ("Japan", "APAC", 0.05),
    ("Australia", "APAC", 0.04),
    ("Brazil", "LATAM", 0.05),
    ("Mexico", "LATAM", 0.02),
)

JOB_TITLES: tuple[str, ...] = (
    "Data Engineer", "Analytics Engineer", "Software Engineer", "Engineering Manager",
    "Head of Data", "VP Engineering", "CTO", "Data Scientist", "Product Manager",
    "Platform Engineer", "Director of Analytics", "Developer Advocate", "Student",
)  # fmt: skip

SLACK_CHANNELS: tuple[str, ...] = (
    "general", "help", "introductions", "show-and-tell", "jobs", "releases",
)  # fmt: skip

DISCOURSE_CATEGORIES: tuple[tuple[int, str], ...] = (
    (1, "Uncategorized"),
    (4, "Help"),
    (5, "Ideas"),
    (6, "Show and tell"),
    (7, "Announcements"),
)

TOPIC_WORDS: tuple[str, ...] = (
    "incremental models", "schema changes", "deploying on Kubernetes", "slow queries",
    "backfills", "partitioned tables", "testing pipelines", "data contracts", "alerting",
    "cost monitoring", "SSO setup", "upgrading to the new release", "Python API",
    "CLI flags", "webhooks", "rate limits", "exporting results", "dashboards",
)  # fmt: skip

GITHUB_REPOSITORIES: tuple[str, ...] = (
    "revmap/revmap", "revmap/revmap-python", "revmap/connectors", "revmap/docs",
)  # fmt: skip
