from hypothesis import given
from hypothesis import strategies as st

from civicpact.domain.synergy import Profile, find_synergies, match_suppliers, normalise_terms

ENERGY, TRANSPORT, ENVIRONMENT, FINANCE = 1, 2, 3, 4

LIGHTING = Profile(
    1,
    ENERGY,
    "Replace 20,000 street lights with connected LED lanterns to cut lighting energy by 40 percent",
    assets=normalise_terms(["lighting poles"]),
    locations=normalise_terms(["citywide"]),
    kpis=normalise_terms(["energy use"]),
)
TRAFFIC = Profile(
    2,
    TRANSPORT,
    "Count traffic at junctions with sensors mounted on street lighting poles",
    assets=normalise_terms(["Lighting  Poles", "junctions"]),
    locations=normalise_terms(["citywide"]),
)
AIR = Profile(
    3,
    ENVIRONMENT,
    "Measure air quality street by street with low-cost sensors on street lights",
    assets=normalise_terms(["lighting poles"]),
)
PAYROLL = Profile(4, FINANCE, "Upgrade the payroll and pension administration software")
OTHER_ENERGY = Profile(5, ENERGY, "Connected LED street lights for the harbour district")


def test_needs_sharing_the_pole_network_are_suggested_with_the_reason():
    matches = find_synergies(LIGHTING, [TRAFFIC, AIR, PAYROLL, OTHER_ENERGY])
    assert [m.id for m in matches][:2] in ([2, 3], [3, 2])
    assert any("both concern lighting poles" in r for r in matches[0].reasons)


def test_an_unrelated_need_is_not_suggested():
    assert 4 not in [m.id for m in find_synergies(LIGHTING, [TRAFFIC, AIR, PAYROLL])]


def test_needs_of_the_same_department_are_not_synergies():
    assert 5 not in [m.id for m in find_synergies(LIGHTING, [OTHER_ENERGY, TRAFFIC])]


def test_text_alone_can_reveal_an_overlap():
    plain_air = Profile(7, ENVIRONMENT, "Sensors on street lights to measure air quality and noise")
    plain_light = Profile(8, ENERGY, "Smart street lights with sensors")
    matches = find_synergies(plain_light, [plain_air])
    assert matches
    assert any(r.startswith("text similarity") for r in matches[0].reasons)


def test_suppliers_whose_profile_fits_are_matched_first():
    lumen = Profile(
        10,
        100,
        "LED street lighting retrofit, central management systems for lighting",
        assets=normalise_terms(["lighting poles"]),
    )
    payroll_vendor = Profile(11, 101, "Payroll software and HR administration for public bodies")
    matches = match_suppliers(LIGHTING, [payroll_vendor, lumen])
    assert matches[0].id == 10


def test_no_candidates_means_no_suggestions():
    assert find_synergies(LIGHTING, []) == []
    assert match_suppliers(LIGHTING, []) == []


words = st.sampled_from(["light", "pole", "sensor", "air", "traffic", "payroll", "data", "the", "and", "energy"])


@given(st.lists(st.lists(words, max_size=8).map(" ".join), min_size=1, max_size=6))
def test_scores_are_between_zero_and_one_and_sorted(texts):
    target = Profile(0, 0, texts[0])
    others = [Profile(i, i, t) for i, t in enumerate(texts[1:], start=1)]
    matches = find_synergies(target, others, min_score=0.0, limit=10)
    scores = [m.score for m in matches]
    assert all(0.0 <= s <= 1.0 + 1e-9 for s in scores)
    assert scores == sorted(scores, reverse=True)
