"""First names that stand for the same person: short forms and nicknames.

Each group lists the forms one person may go by in German or English
exports (Max / Maximilian, Hans / Johannes, Kathi / Katharina,
Bill / William). ``same_first_name`` treats two forms as one when they share
a group; lookups use the folded spelling, so Jürgen and Juergen meet too.
"""

from __future__ import annotations

from cdp.normalise import fold

_GROUPS = (
    "maximilian max maxi",
    "johannes hans hannes jo johann jan",
    "katharina kathi kati katja kathrin katrin kate katy kathy catherine katherine",
    "william bill billy will willy liam wilhelm willi",
    "elisabeth elizabeth lisa liesel lis elli elly betty beth liz lizzy sabeth",
    "alexander alex sascha xander sandro",
    "alexandra alex sandra sascha",
    "christian chris christoph christopher",
    "christina christine chris tina",
    "michael michi micha mike mick",
    "michaela michi micha",
    "thomas tom tommy",
    "andreas andi andy andrew drew",
    "stefan stephan steffen steve steven stephen",
    "daniel dani dan danny",
    "sebastian basti seb",
    "tobias tobi toby",
    "matthias mathias matze matt matthew",
    "nikolaus niklas nico nick nicholas klaus",
    "benjamin ben benny",
    "jonathan jonas jon john jack johnny",
    "robert rob robbie bob bobby",
    "richard rick richie dick",
    "james jim jimmy jamie",
    "joseph josef joe sepp jupp",
    "franziska franzi fanny",
    "friedrich fritz fred frederick",
    "wolfgang wolf",
    "gerhard gerd",
    "bernhard bernd",
    "ludwig lutz louis",
    "konstantin constantin kosta",
    "margarete margarethe margaret grete gretchen maggie meg greta",
    "susanne susann sanne susi susan sue",
    "barbara babsi barbie babs",
    "dorothea doris dora dorothy dot",
    "gabriele gabi gaby gabriela",
    "patricia patrizia pat patty tricia",
    "rebecca rebekka becky becca",
    "veronika vroni veronica ronnie",
    "charlotte lotte lotti charlie",
    "johanna hanna hannah jo",
    "anna anne anni annie ann",
    "magdalena magda lena lene",
    "helena helene lena",
    "theresa therese resi tessa",
    "victoria viktoria vicky",
    "jennifer jenny jenni",
    "jessica jessi jess",
    "samantha sam sammy",
    "samuel sam sammy",
    "daniela dani",
    "cornelia conny nele",
    "cornelius conny",
    "ulrich uli ulli",
    "ulrike uli ulli rike",
    "rudolf rudi",
    "heinrich heinz henry hein",
    "georg jörg jürgen george",
    "edward eduard ed eddie ted",
    "anthony antony anton tony toni",
    "antonia toni",
    "margaret peggy",
    "frederike friederike rike frieda",
    "valentin valentina vali",
    "leonhard leonard leon leo",
    "jacob jakob jake",
    "philipp philip phil",
    "timothy timo tim timotheus",
    "felicitas feli",
    "zoe zoë",
)

_BY_NAME: dict[str, frozenset[int]] = {}
for number, group in enumerate(_GROUPS):
    for name in group.split():
        key = fold(name)
        _BY_NAME[key] = _BY_NAME.get(key, frozenset()) | {number}


def groups(first_name: str) -> frozenset[int]:
    """The nickname groups a first name belongs to (empty when none)."""
    return _BY_NAME.get(fold(first_name), frozenset())


def same_first_name(left: str, right: str) -> bool:
    """Whether two first names are one name or forms of one name."""
    if fold(left) == fold(right):
        return True
    return bool(groups(left) & groups(right))
