"""Common English short forms of given names, to compare `Bob` with `Robert`.

People register as `Bob Silva` in one tool and `Robert Silva` in another. String
distances rate such pairs as different names, so the model would count them as evidence
against a match. `first_name_root` maps each short form to one formal name, and formal
names to themselves, so both spellings share a key.

A short form that serves several formal names (`Alex` for Alexander and Alexandra) maps
to the first formal name listed with it. The model gives a match after expansion its
own level, apart from an exact match, so EM weighs it separately.
"""

from __future__ import annotations

# Formal name, then its short forms. Lower case, as `prepare.normalize_name` leaves them.
_SHORT_FORMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("alexander", ("alex", "al", "sasha", "xander")),
    ("alexandra", ("alex", "sandra", "lexi", "sasha")),
    ("andrew", ("andy", "drew")),
    ("anthony", ("tony", "ant")),
    ("barbara", ("barb", "barbie", "babs")),
    ("benjamin", ("ben", "benny", "benji")),
    ("catherine", ("cathy", "kate", "cat")),
    ("charles", ("charlie", "chuck", "chas")),
    ("christopher", ("chris", "kit", "topher")),
    ("christine", ("chris", "chrissy", "tina")),
    ("daniel", ("dan", "danny")),
    ("david", ("dave", "davey")),
    ("deborah", ("deb", "debbie")),
    ("edward", ("ed", "eddie", "ted", "ned")),
    ("elizabeth", ("liz", "beth", "betty", "lizzie", "eliza", "libby")),
    ("jacob", ("jake",)),
    ("james", ("jim", "jimmy", "jamie")),
    ("jennifer", ("jen", "jenny")),
    ("jessica", ("jess", "jessie")),
    ("john", ("jack", "johnny", "jon")),
    ("jonathan", ("jon", "jonny")),
    ("joseph", ("joe", "joey")),
    ("joshua", ("josh",)),
    ("katherine", ("kate", "kathy", "katie", "kat")),
    ("kenneth", ("ken", "kenny")),
    ("kimberly", ("kim",)),
    ("lawrence", ("larry",)),
    ("margaret", ("maggie", "meg", "peggy", "marge")),
    ("matthew", ("matt",)),
    ("michael", ("mike", "mick", "mikey")),
    ("mohammed", ("mo",)),
    ("nicholas", ("nick", "nicky")),
    ("patricia", ("pat", "patty", "trish")),
    ("patrick", ("pat", "paddy")),
    ("peter", ("pete",)),
    ("rebecca", ("becky", "becca")),
    ("richard", ("rick", "dick", "rich", "richie")),
    ("robert", ("bob", "rob", "bobby", "robbie", "bert")),
    ("samuel", ("sam", "sammy")),
    ("samantha", ("sam", "sammie")),
    ("stephen", ("steve",)),
    ("steven", ("steve", "stevie")),
    ("susan", ("sue", "suzy")),
    ("theodore", ("ted", "teddy", "theo")),
    ("thomas", ("tom", "tommy")),
    ("timothy", ("tim", "timmy")),
    ("victoria", ("vicky", "vicki", "tori")),
    ("william", ("bill", "will", "billy", "willy", "liam")),
)

ROOTS: dict[str, str] = {}
for _formal, _short in _SHORT_FORMS:
    ROOTS.setdefault(_formal, _formal)
    for _form in _short:
        ROOTS.setdefault(_form, _formal)


def first_name_root(first_name_key: object) -> str | None:
    """Return the formal name for a normalized first name (`bob` -> `robert`).

    Names without a known short form are returned as they are; null stays null.
    """
    if not isinstance(first_name_key, str):
        return None
    return ROOTS.get(first_name_key, first_name_key)
