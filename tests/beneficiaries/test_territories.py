"""Communes and territories: the shipped Hauts-de-Seine fixture and the `load_territories`
command reading the open data of the official geographic code."""

import csv
import json
import re
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from beneficiaries.models import Commune, Territory
from beneficiaries.territories import commune_validate, territories_load

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data" / "territories"
needs_shared = pytest.mark.skipif(
    not (SHARED / "communes.csv").is_file(), reason="open data folder ../shared absent"
)

MGP = "200054781"
VSGP, GPSO, POLD, BNS = "200057966", "200057974", "200057982", "200057990"
EPT_MEMBERS_92 = {
    VSGP: {
        "92002", "92007", "92014", "92019", "92020", "92023", "92032", "92046", "92049",
        "92060", "92071",
    },
    GPSO: {"92012", "92022", "92040", "92047", "92048", "92072", "92075", "92077"},
    POLD: {
        "92026", "92033", "92035", "92044", "92050", "92051", "92062", "92063", "92064",
        "92073", "92076",
    },
    BNS: {"92004", "92009", "92024", "92025", "92036", "92078", "95018"},
}  # fmt: skip


def data_rows(name: str) -> list[dict[str, str]]:
    with (SHARED / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_territories", *args, stdout=out)
    return out.getvalue()


# The shipped fixture -------------------------------------------------------------------------


@pytest.fixture
def territories_92(db):
    call_command("loaddata", "territories_92", verbosity=0)


def test_fixture_has_the_36_communes_of_hauts_de_seine(territories_92):
    communes = Commune.objects.filter(department="92")
    assert communes.count() == 36
    assert set(communes.values_list("region", flat=True)) == {"11"}
    assert not communes.filter(ept=None).exists()
    assert Commune.objects.filter(epci__code=MGP).count() == 37  # with Argenteuil
    nanterre = Commune.objects.get(pk="92050")
    assert str(nanterre) == "Nanterre (92050)"
    assert nanterre.postal_codes == ["92000"]
    assert Commune.objects.get(pk="92048").postal_codes == ["92190", "92360"]  # Meudon


def test_fixture_has_the_four_epts_with_their_members(territories_92):
    epts = Territory.objects.filter(kind=Territory.Kind.EPT)
    assert set(epts.values_list("code", flat=True)) == set(EPT_MEMBERS_92)
    for ept in epts:
        assert ept.epci_type == "EPT"
        members = set(ept.ept_communes.values_list("code_insee", flat=True))
        assert members == EPT_MEMBERS_92[ept.code], ept.name
        assert set(ept.communes().values_list("pk", flat=True)) == members
    assert Commune.objects.get(pk="92050").ept.code == POLD
    assert Commune.objects.get(pk="92012").ept.code == GPSO
    assert Commune.objects.get(pk="92036").ept.code == BNS
    assert Commune.objects.get(pk="95018").ept.code == BNS  # Argenteuil
    assert Territory.objects.get(code=BNS).name == "Boucle Nord de Seine"


def test_fixture_has_the_metropole_and_the_department(territories_92):
    mgp = Territory.objects.get(code=MGP)
    assert (mgp.kind, mgp.epci_type, mgp.name) == ("epci", "METRO", "Métropole du Grand Paris")
    department = Territory.objects.get(code="D92")
    assert (department.kind, department.name) == ("department", "Hauts-de-Seine")
    assert department.communes().count() == 36
    assert department.population == sum(
        Commune.objects.filter(department="92").values_list("population", flat=True)
    )
    nanterre = Commune.objects.get(pk="92050")
    assert [t.code for t in nanterre.territories()] == [POLD, MGP, "D92"]


def test_fixture_loads_twice_without_duplicates(territories_92):
    call_command("loaddata", "territories_92", verbosity=0)
    assert Commune.objects.count() == 37
    assert Territory.objects.count() == 6


@needs_shared
def test_fixture_matches_the_open_data():
    communes = {r["code_insee"]: r for r in data_rows("communes.csv")}
    fixture = ROOT / "beneficiaries" / "fixtures" / "territories_92.json"
    for entry in json.loads(fixture.read_text(encoding="utf-8")):
        if entry["model"] == "beneficiaries.commune":
            row = communes[entry["pk"]]
            assert entry["fields"]["name"] == row["nom"]
            assert entry["fields"]["ept"] == [row["ept"]]
            assert entry["fields"]["epci"] == [row["epci"]]
    for row in data_rows("ept.csv"):
        if row["code"] in EPT_MEMBERS_92:
            assert set(row["membres"].split("|")) == EPT_MEMBERS_92[row["code"]]


def test_commune_validate(territories_92):
    assert commune_validate(" 92050 ").name == "Nanterre"
    with pytest.raises(ValidationError) as raised:
        commune_validate("99999")
    assert raised.value.code == "unknown_commune"
    with pytest.raises(ValidationError):
        commune_validate("")


# The command -----------------------------------------------------------------------------------


@needs_shared
@pytest.mark.django_db
def test_command_loads_the_whole_country_idempotently():
    communes = len(data_rows("communes.csv"))
    epci = len(data_rows("epci.csv"))
    ept = len(data_rows("ept.csv"))
    departments = len({r["departement"] for r in data_rows("communes.csv")})
    started = time.monotonic()
    output = load("--path", str(SHARED))
    assert time.monotonic() - started < 60
    assert f"{communes} commune(s) and {epci + ept + departments} territory(ies)" in output
    assert Commune.objects.count() == communes
    assert Territory.objects.filter(kind=Territory.Kind.EPCI).count() == epci
    assert Territory.objects.filter(kind=Territory.Kind.EPT).count() == ept
    assert Territory.objects.filter(kind=Territory.Kind.DEPARTMENT).count() == departments

    output = load("--path", str(SHARED))
    assert f"{communes} commune(s) and {epci + ept + departments} territory(ies)" in output
    assert Commune.objects.count() == communes
    assert Territory.objects.count() == epci + ept + departments

    for row in data_rows("ept.csv"):
        members = Territory.objects.get(code=row["code"]).ept_communes
        assert set(members.values_list("pk", flat=True)) == set(row["membres"].split("|"))
    lyon = Commune.objects.get(pk="69123")
    assert lyon.epci.epci_type == "MET69" and lyon.ept is None
    assert Territory.objects.get(code="D2A").name == "Corse-du-Sud"


@needs_shared
def test_command_after_the_fixture_updates_the_same_rows(territories_92):
    ids = dict(Territory.objects.values_list("code", "id"))
    load("--path", str(SHARED), "--department", "92")
    assert dict(Territory.objects.values_list("code", "id")) == ids
    assert Commune.objects.count() == 37


@needs_shared
@pytest.mark.django_db
def test_command_department_filter():
    output = load("--path", str(SHARED), "--department", "92")
    assert "36 commune(s) and 6 territory(ies)" in output  # MGP, 4 EPT, D92
    assert set(Commune.objects.values_list("department", flat=True)) == {"92"}
    assert Commune.objects.get(pk="92036").ept.code == BNS

    load("--path", str(SHARED), "--department", "92", "--department", "95")
    expected = sum(r["departement"] in {"92", "95"} for r in data_rows("communes.csv"))
    assert Commune.objects.count() == expected
    bns = Territory.objects.get(code=BNS)
    assert set(bns.ept_communes.values_list("pk", flat=True)) == EPT_MEMBERS_92[BNS]
    assert Territory.objects.get(code="D95").name == "Val-d'Oise"


def write_files(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "communes.csv").write_text(
        "code_insee,nom,departement,region,codes_postaux,population,epci,ept\r\n"
        "92050,Nanterre,92,11,92000,97783,200054781,200057982\r\n"
        '2A004,Ajaccio,2A,94,20000|20090,"75000",200066793,\r\n'
        "98411,Îles Saint-Paul et Nouvelle-Amsterdam,984,984,,,,\r\n",
        encoding="utf-8",
    )
    (folder / "epci.csv").write_text(
        "code,nom,type,population,membres\n"
        "200054781,Métropole du Grand Paris,METRO,7163419,92050\n"
        "200066793,CA du Pays Ajaccien,CA,90000,2A004\n",
        encoding="utf-8",
    )
    (folder / "ept.csv").write_text(
        "code,nom,type,population,membres\n200057982,Paris Ouest La Défense,EPT,576797,92050\n",
        encoding="utf-8",
    )
    return folder


@pytest.mark.django_db
def test_command_on_small_files(tmp_path, settings):
    settings.BASE_DIR = tmp_path / "main"
    write_files(tmp_path / "shared" / "data" / "territories")
    assert "3 commune(s) and 6 territory(ies)" in load()  # default path: ../shared
    ajaccio = commune_validate("2a004")
    assert ajaccio.postal_codes == ["20000", "20090"] and ajaccio.population == 75000
    assert ajaccio.epci.name == "CA du Pays Ajaccien" and ajaccio.ept is None
    assert [t.code for t in ajaccio.territories()] == ["200066793", "D2A"]
    taaf = Commune.objects.get(pk="98411")
    assert (taaf.population, taaf.postal_codes, taaf.epci) == (None, [], None)

    assert territories_load(tmp_path / "shared" / "data" / "territories", departments={"2a"}) == (
        1,
        2,
    )
    assert Commune.objects.count() == 3 and Territory.objects.count() == 6


@pytest.mark.django_db
def test_command_refuses_a_missing_folder_or_file(tmp_path):
    with pytest.raises(CommandError, match=re.escape(str(tmp_path / "nowhere"))):
        load("--path", str(tmp_path / "nowhere"))
    folder = write_files(tmp_path / "data")
    (folder / "ept.csv").unlink()
    with pytest.raises(CommandError, match="ept.csv"):
        load("--path", str(folder))
    assert not Commune.objects.exists()


# Translations --------------------------------------------------------------------------------

SOURCES = [
    ROOT / "beneficiaries" / "models" / "territories.py",
    ROOT / "beneficiaries" / "territories.py",
]
FRAGMENT = ROOT / "locale" / "fragments" / "territories.po"
CATALOGUE = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
PO_ENTRY = re.compile(r'^msgid "(.*)"\nmsgstr "(.*)"$', re.M)


def test_every_message_has_a_french_translation():
    """Each message is in the fragment, or already in the catalogue ("name", "kind")."""
    code = set()
    for source in SOURCES:
        code |= set(re.findall(r'\b_\(\s*"((?:[^"\\]|\\.)*)"', source.read_text(encoding="utf-8")))
    fragment = dict(PO_ENTRY.findall(FRAGMENT.read_text(encoding="utf-8")))
    known = dict(PO_ENTRY.findall(CATALOGUE.read_text(encoding="utf-8"))) | fragment
    assert code - set(known) == set()
    assert set(fragment) - code == set(), "stale in territories.po"
    for msgid in code:
        msgstr = known[msgid]
        assert msgstr, msgid
        assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", msgstr))
