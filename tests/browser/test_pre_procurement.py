"""Issue 3's journey: a need, registered in the browser, taken to an approved structuring gate."""

from playwright.sync_api import Page, expect


def decide_gate(page: Page, reasons: str) -> None:
    page.get_by_label("Approve").check()
    page.get_by_label("Reasons").fill(reasons)
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status")).to_contain_text("Gate decision recorded")


def choose_scale(page: Page, label: str, value: int) -> None:
    page.get_by_role("group", name=label).get_by_label(str(value), exact=True).check()


def register_need(visitor, page):
    visitor.visit("/pipeline/needs/new/", "need-new")
    page.get_by_label("Department").select_option(label="Environment and Climate")
    page.get_by_label("Title").fill("Flood early warning on the river")
    page.get_by_label("Problem statement").fill("River floods reach the old town with an hour's notice.")
    page.get_by_label("Outcomes sought").fill("Six hours' warning from river level sensors.")
    page.get_by_label("Indicative budget").fill("900000")
    page.get_by_label("First budget year").fill("2027")
    page.get_by_label("Last budget year").fill("2033")
    page.get_by_label("Assets concerned").fill("river banks, lighting poles")
    page.get_by_role("button", name="Register the need").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Flood early warning on the river")
    visitor.check("need-detail")


def create_project(visitor, page):
    page.get_by_role("link", name="Take forward as a project").first.click()
    visitor.check("project-new")
    page.get_by_label("Procurement planned in").fill("2027")
    page.get_by_label("Service starts in").fill("2028")
    page.get_by_label("Contract length (years)").fill("6")
    page.get_by_label("Budget share: Environment and Climate").fill("900000")
    page.get_by_role("button", name="Create the project").click()
    expect(page.get_by_text("The project is created at the idea stage.")).to_be_visible()

    return page.url


def screen(visitor, page):
    page.get_by_role("link", name="Appraisal: screening, model, route, risks, terms").click()
    visitor.check("appraisal-overview")
    page.get_by_role("link", name="1. Screening").click()
    for label, value in [
        ("How clearly is the public need established?", 4),
        ("How much market interest has been shown?", 3),
        ("How much value could a partnership add over buying it traditionally?", 3),
        ("How well is the scope defined?", 3),
        ("How large is the city's expertise gap?", 3),
        ("How tight is the city's capital budget for this?", 3),
        ("How much does speed of innovation matter?", 3),
        ("How much risk could a private partner manage better?", 3),
        ("How much operational efficiency could a partner bring?", 3),
    ]:
        choose_scale(page, label, value)
    page.get_by_label("How many years would the partnership last?").fill("6")
    page.get_by_role("button", name="Record the screening").click()
    expect(page.get_by_role("heading", name="PPP worth pursuing")).to_be_visible()
    visitor.check("appraisal-screening")


def choose_model(visitor, page):
    page.get_by_role("link", name="2. Partnership model").click()
    for label, value in [
        ("How much private capability is needed?", 3),
        ("How much risk should the partner take?", 2),
        ("How much public funding is available?", 3),
        ("How much governance complexity is acceptable?", 1),
        ("Control or flexibility?", 1),
        ("Low cost or risk transfer?", 2),
        ("Predictability or innovation?", 2),
        ("Thoroughness or speed?", 2),
    ]:
        choose_scale(page, label, value)
    page.get_by_label("Expected duration (years)").fill("6")
    page.get_by_role("button", name="Rank the models").click()
    expect(page.get_by_role("table", name="How the five models fit")).to_be_visible()
    page.get_by_label("Your choice").select_option("managed_services")
    page.get_by_label("Why this model?").fill("The city keeps control of the warning service.")
    page.get_by_role("button", name="Record my choice").click()
    expect(page.get_by_text("Chosen: Managed services")).to_be_visible()
    visitor.check("appraisal-model")


def choose_route(visitor, page):
    page.get_by_role("link", name="3. Procurement route").click()
    choose_scale(page, "Is the solution on the market?", 4)
    choose_scale(page, "Can the need be specified in full?", 3)
    choose_scale(page, "How many capable suppliers are there?", 3)
    page.get_by_label("Estimated contract value").fill("900000")
    page.get_by_role("button", name="Recommend a route").click()
    expect(page.get_by_role("heading", name="Recommended: Open tender")).to_be_visible()
    page.get_by_label("Your choice").select_option("open_tender")
    page.get_by_label("Why this route?").fill("Sensors are a mature market.")
    page.get_by_role("button", name="Record my choice").click()
    visitor.check("appraisal-route")


def add_risk(visitor, page):
    page.get_by_role("link", name="4. Risks").click()
    page.get_by_label("Add a risk from the library").select_option("availability_performance")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("cell", name="Service unavailable or below standard", exact=True).first).to_be_visible()
    visitor.check("appraisal-risks")


def write_terms(visitor, page):
    page.get_by_role("link", name="5. Term sheet").click()
    page.get_by_label("Availability").check()
    page.get_by_label("Indexation").fill("CPI annually")
    page.get_by_label("KPIs").fill("warning lead time")
    page.get_by_label("Governance bodies").fill("Steering board")
    page.get_by_label("Reporting cadence").fill("monthly")
    page.get_by_label("Escalation ladder").fill("steering board\nmediation")
    page.get_by_label("Change authorisation threshold").fill("25000")
    page.get_by_label("Dispute resolution").fill("Mediation, then arbitration")
    page.get_by_label("Who owns the data generated").select_option("city")
    page.get_by_label("The city has audit rights").check()
    page.get_by_label("Interoperability and open standards required").check()
    page.get_by_label("Term (years)").fill("6")
    page.get_by_label("Exit and transition plan").check()
    page.get_by_label("Hand-back conditions").fill("Sensors in working order, data in open formats")
    page.get_by_role("button", name="Save and check").click()
    expect(page.get_by_role("heading", name="Version 1: no gaps or risky terms")).to_be_visible()
    visitor.check("appraisal-terms")


def test_an_officer_takes_a_need_to_an_approved_structuring_gate(visitor):
    page = visitor.page
    visitor.sign_in("officer")
    register_need(visitor, page)
    project_url = create_project(visitor, page)
    decide_gate(page, "A clear safety need.")
    visitor.check("project-opportunity")
    screen(visitor, page)
    page.goto(project_url)
    decide_gate(page, "Screening says a PPP is worth pursuing.")
    page.get_by_role("link", name="Appraisal: screening, model, route, risks, terms").click()
    choose_model(visitor, page)
    choose_route(visitor, page)
    add_risk(visitor, page)
    write_terms(visitor, page)
    page.goto(project_url)
    decide_gate(page, "Structured: managed services, open tender, risks allocated, terms complete.")
    expect(page.get_by_text("Stage: Procurement")).to_be_visible()
    visitor.check("project-procurement")
