"""Funder reports: figures against the data the test builds, the disclosure rule, territories."""

import io
import json
from decimal import Decimal
from html.parser import HTMLParser

import openpyxl
import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.enums import OrganisationKind, Role
from beneficiaries import allocations, orders, services
from beneficiaries.enums import AgeBand
from beneficiaries.models import EligibilityCriterion, FundingProgramme, Structure
from inventory.enums import DeviceStatus as S
from inventory.models import Device
from reconditioning.demo import walk_to
from reports.funder import HIDDEN, FunderFilters, funder_report_build, funder_report_csv
from reports.models import ReportJob
from reports.periods import MONTH, Period
from tests.beneficiaries.conftest import train
from tests.factories import OrganisationFactory, make_batch, make_device, member

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PERIOD = FunderFilters.for_period(Period(TODAY.year, MONTH, TODAY.month))
# The same period as the form asks for it: a year and a month.
PERIOD_FORM = {"year": TODAY.year, "part": f"{TODAY.month:02d}"}


class PageParts(HTMLParser):
    """Every text, comment and attribute value of a page but its CSRF token: the token is 64
    random letters and digits, so a short string looked for in the raw page turns up in it
    now and then (about one run in sixty for two characters such as "P0")."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        token_input = tag == "input" and ("name", "csrfmiddlewaretoken") in attrs
        for name, value in attrs:
            if value is None or (token_input and name == "value"):
                continue
            if name == "hx-headers":  # {"X-CSRFToken": "<token>"}, and nothing else
                assert set(json.loads(value)) == {"X-CSRFToken"}, value
                continue
            self.parts.append(value)

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.parts.append(data)

    def handle_comment(self, data):
        self.parts.append(data)


def found_in_page(needle: str, html: str) -> list[str]:
    return [part for part in PageParts(html).parts if needle in part]


@pytest.fixture
def funded(workshop, technician, coordinator):
    """Seven laptops handed over under the Département's programme: six to people of a QPV
    structure in Colombes (92025), one to a structure in Nanterre for its own use."""
    call_command("loaddata", "territories_92", verbosity=0)
    funder = OrganisationFactory(
        name="Département des Hauts-de-Seine", kind=OrganisationKind.FUNDER
    )
    programme = FundingProgramme.objects.create(funder=funder, name="Inclusion 2026")
    other_programme = FundingProgramme.objects.create(
        funder=OrganisationFactory(name="CAF", kind=OrganisationKind.FUNDER), name="CAF 2026"
    )
    colombes = OrganisationFactory(name="Centre social Colombes", kind=OrganisationKind.MEDIATION)
    Structure.objects.create(organisation=colombes, commune_id="92025", in_qpv=True)
    nanterre = OrganisationFactory(name="Médiathèque Nanterre", kind=OrganisationKind.MEDIATION)
    Structure.objects.create(organisation=nanterre, commune_id="92050", in_qpv=False)
    med = member(colombes, Role.STAFF, username="med-colombes")
    med2 = member(nanterre, Role.STAFF, username="med-nanterre")
    rsa = EligibilityCriterion.objects.get(code="rsa")
    from beneficiaries.models import TrainingProgramme

    training = TrainingProgramme.objects.get(title="Premiers pas avec son équipement")
    batch = make_batch(workshop)

    def hand_over(structure, user, person, programme=programme):
        device = walk_to(
            make_device(batch, ram_mb=8192, drives=[{"capacity_gb": 256, "kind": "ssd"}]),
            S.READY,
            technician,
        )
        order = orders.order_create(
            structure=structure,
            user=user,
            lines=[{"device_type": "laptop", "quantity": 1, "person": person}],
        )
        orders.order_submit(order=order, user=user)
        orders.order_decide(
            order=order,
            user=coordinator,
            approve=True,
            workshop=workshop,
            funding_programme=programme,
        )
        orders.order_reserve(order=order, user=technician)
        orders.order_mark_ready(order=order, user=technician)
        own = None
        if person is None:
            from beneficiaries.models import ExemptionReason

            own = ExemptionReason.objects.get(label__startswith="Équipement de la structure")
        allocation = allocations.allocation_create(
            device=device,
            structure=structure,
            user=user,
            exemption=own,
            exemption_note="poste d'accueil" if own else "",
        )
        if allocation.charge:
            allocations.payment_record(
                allocation=allocation, amount=allocation.charge, method="cash", user=user
            )
        return allocation

    def equip(structure, user, reference, band, situation="job_seeker"):
        """A trained person of `structure` handed a laptop under the programme."""
        person = services.person_create(
            structure=structure,
            user=user,
            reference=reference,
            age_band=band,
            situation=situation,
            eligibility=rsa,
            consent_purpose="x",
            consent_given_on=TODAY,
            eligibility_checked_on=TODAY,
        )
        train(person, training, user)
        return hand_over(structure, user, person)

    for i, band in enumerate(["26-44"] * 5 + ["65+"]):
        equip(colombes, med, f"P{i}", band)
    hand_over(nanterre, med2, None)
    hand_over(colombes, med, None, programme=other_programme)
    return {
        "funder": funder,
        "programme": programme,
        # For tests that need more people: equip("colombes" | "nanterre", reference, band).
        "equip": lambda where, ref, band, situation="job_seeker": equip(
            *((colombes, med) if where == "colombes" else (nanterre, med2)), ref, band, situation
        ),
    }


def test_figures_for_staff(funded, coordinator):
    report = funder_report_build(
        user=coordinator,
        filters=FunderFilters(PERIOD.date_from, PERIOD.date_to, funded["programme"]),
    )
    assert report.devices == 7 and report.to_people == 6 and report.to_structures == 1
    assert report.people == 6 and report.trained == 6 and report.waived == 0
    assert dict((c, n) for c, _l, n in report.by_age if n) == {"26-44": 5, "65+": 1}
    assert len(report.by_age) == 11 and len(report.by_situation) == 5  # every category listed
    assert report.qpv_share == round(100 * 6 / 7, 1)
    assert report.charges_due == Decimal("240") and report.collected == Decimal("240")
    assert report.exemptions == 1 and report.exempted_amount == Decimal("40")
    # 7 laptops × 27 kg CO2e × 2 years (ADEME 2022 as reported)
    assert report.co2e_kg == Decimal("378.0") and report.materials_kg == Decimal("1778.0")
    assert not report.masked


def test_funder_sees_aggregates_with_small_counts_masked(client, funded):
    reader = member(funded["funder"], Role.READER, username="funder-reader")
    report = funder_report_build(user=reader, filters=PERIOD)
    assert report.masked and report.devices == 7  # only its own programme
    ages = dict((c, n) for c, _l, n in report.by_age)
    # 65+: 1 is hidden, and so is 26-44: 5, else 6 people − 5 would give it back.
    assert ages == dict.fromkeys([v for v, _label in AgeBand.choices], HIDDEN)
    assert report.people == 6
    client.force_login(reader)
    page = client.get(reverse("beneficiaries:funder_report"), PERIOD_FORM)
    body = page.content.decode()
    people = body.split('id="people-figures"')[1].split("</table>")[0]
    assert '65 ans et plus (ancien découpage)</td><td class="num">—' in people
    assert not found_in_page("P0", body)  # no person's reference, in a cell or anywhere else
    assert "allocation_rows" not in body and "/attributions/" not in body


def test_territory_filters(funded, coordinator):
    def devices(territory):
        return funder_report_build(
            user=coordinator,
            filters=FunderFilters(PERIOD.date_from, PERIOD.date_to, funded["programme"], territory),
        ).devices

    assert devices("92025") == 6  # Colombes
    assert devices("92050") == 1  # Nanterre
    assert devices("200057990") == 6  # EPT Boucle Nord de Seine (Colombes)
    assert devices("200057982") == 1  # EPT Paris Ouest La Défense (Nanterre)
    assert devices("D92") == 7


def test_staff_open_the_rows_behind_a_figure(client, funded, coordinator):
    client.force_login(coordinator)
    page = client.get(
        reverse("beneficiaries:funder_report"),
        PERIOD_FORM | {"programme": funded["programme"].pk},
    )
    assert reverse("beneficiaries:allocation_rows") in page.content.decode()
    rows = client.get(
        reverse("beneficiaries:allocation_rows"),
        {
            "from": PERIOD.date_from.isoformat(),
            "to": PERIOD.date_to.isoformat(),
            "programme": funded["programme"].pk,
            "age_band": "65+",
        },
    )
    assert rows.content.decode().count('href="/attributions/') == 1


def test_funders_cannot_open_rows_nor_other_programmes(client, funded):
    reader = member(funded["funder"], Role.READER, username="funder-reader")
    client.force_login(reader)
    assert (
        client.get(
            reverse("beneficiaries:allocation_rows"), {"from": "2026-01-01", "to": "2026-12-31"}
        ).status_code
        == 403
    )
    other = FundingProgramme.objects.get(name="CAF 2026")
    page = client.get(
        reverse("beneficiaries:funder_report"),
        PERIOD_FORM | {"programme": other.pk},
    )
    assert "CAF 2026" not in page.content.decode().split("<select")[1].split("</select>")[0]


def test_pdf_csv_xlsx_through_jobs(client, funded, django_capture_on_commit_callbacks):
    reader = member(funded["funder"], Role.READER, username="funder-reader")
    client.force_login(reader)
    data = PERIOD_FORM | {"programme": "", "territory": ""}
    for fmt in ("pdf", "csv", "xlsx"):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("beneficiaries:funder_report_request"), data | {"fmt": fmt})
    jobs = {j.fmt: j for j in ReportJob.objects.filter(kind="funder")}
    assert all(j.status == "done" for j in jobs.values())

    def content(job):
        return b"".join(
            client.get(reverse("inventory:report_job_file", args=[job.pk])).streaming_content
        )

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content(jobs["pdf"]))).pages)
    assert "Rapport financeur" in text and "ADEME" in text
    assert "65 ans et plus (ancien découpage)" in text
    csv_text = content(jobs["csv"]).decode("utf-8-sig")
    assert (
        "Appareils remis;7" in csv_text
        and "Tranche d'âge : 65 ans et plus (ancien découpage);—" in csv_text
    )
    ws = openpyxl.load_workbook(io.BytesIO(content(jobs["xlsx"]))).active
    values = {row[0].value: row[1].value for row in ws.iter_rows()}
    assert values["Appareils remis"] == 7


def test_monthly_mail_per_programme(funded):
    from reports.tasks import funder_reports_monthly_task

    member(funded["funder"], Role.READER, username="funder-mail", email="dep@example.org")
    assert funder_reports_monthly_task() >= 1
    assert any(m.to == ["dep@example.org"] for m in mail.outbox)


def test_pdf_lists_the_main_donors_and_sums_the_others(funded, coordinator, monkeypatch):
    """A national network has thousands of donors: the PDF lists the first ones and one line
    for the rest (a long table costs WeasyPrint pages of memory), the exports list them all."""
    import io

    from pypdf import PdfReader

    from reports import funder as reports

    filters = FunderFilters(PERIOD.date_from, PERIOD.date_to, funded["programme"])
    full = funder_report_build(user=coordinator, filters=filters)
    (name, given, reused, scrapped) = full.donors[0]
    assert full.other_donors is None and full.top_donors == full.donors

    monkeypatch.setattr(reports, "DONORS_SHOWN", 0)
    report = funder_report_build(user=coordinator, filters=filters)
    assert report.top_donors == [] and report.other_donors == (1, given, reused, scrapped)
    all_text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(reports.funder_report_pdf(report))).pages
    )
    assert "1 autre donateur" in all_text and name not in all_text
    rows = reports._rows(report)
    assert any(name in str(row[0]) for row in rows)


def test_tonnes_reused_follow_the_devices_count(client, funded, coordinator):
    filters = FunderFilters(PERIOD.date_from, PERIOD.date_to, funded["programme"])
    # Seven laptops at the type's 2 kg default, one of them weighed on the scale at 1.4 kg.
    first = Device.objects.filter(status=S.ALLOCATED).order_by("pk").first()  # programme's
    Device.objects.filter(pk=first.pk).update(weight_kg=Decimal("1.4"))
    report = funder_report_build(user=coordinator, filters=filters)
    assert report.reused_kg == Decimal("13.40") and report.reused_t == "0,013\u00a0t"
    csv = funder_report_csv(report).decode("utf-8-sig")
    # A French spreadsheet reads "13,40" as a number, "13.40" as text or a date.
    assert "Poids réemployé (kg);13,40" in csv
    reader = member(funded["funder"], Role.READER, username="funder-reader")
    client.force_login(reader)
    body = client.get(reverse("beneficiaries:funder_report"), PERIOD_FORM).content.decode()
    assert "0,013\u00a0t" in body.split('id="tonnes-reused"')[1].split("</div>")[0]
    # A single device's weight is a count in disguise: hidden with it.
    few = funder_report_build(
        user=reader,
        filters=FunderFilters.for_period(PERIOD.period, territory="92050"),
    )
    assert few.devices == HIDDEN and few.reused_t == HIDDEN and few.reused_kg == HIDDEN
