import pytest

from portal.catalog import phones


@pytest.mark.parametrize(
    "number, shown, tel",
    [
        ("703-555-0142", "(703) 555-0142", "tel:+17035550142"),
        ("(571) 555 0187", "(571) 555-0187", "tel:+15715550187"),
        ("+1 703 555 0100", "(703) 555-0100", "tel:+17035550100"),
        ("988", "988", "tel:988"),
        ("911", "911", "tel:911"),
    ],
)
def test_numbers_display_and_dial(number, shown, tel):
    assert phones.display(number) == shown
    assert phones.tel_uri(number) == tel


def test_extensions_are_dialled():
    assert phones.tel_uri("703-555-0142", 12) == "tel:+17035550142;ext=12"


def test_text_that_is_no_number_is_shown_but_not_linked():
    assert phones.display("call the front desk") == "call the front desk"
    assert phones.tel_uri("call the front desk") is None


def test_sms_link():
    assert phones.sms_uri("988") == "sms:988"
    assert phones.sms_uri("703-555-0142") == "sms:+17035550142"
