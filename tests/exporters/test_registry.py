import pytest

from annotations.errors import UnknownFormat
from annotations.exporters import FORMATS, get_writer


def test_the_registry_knows_the_contract_formats_and_csv():
    assert set(FORMATS) >= {"jsonl", "conll", "web-annotation", "claimreview", "csv"}
    assert get_writer("conll").media_type == "text/plain; charset=utf-8"
    assert get_writer("web-annotation").media_type == "application/ld+json"


@pytest.mark.parametrize("name", ["xml", "", "JSONL", None, ["jsonl"], "../jsonl"])
def test_an_unknown_format_is_a_400_naming_the_known_ones(name):
    with pytest.raises(UnknownFormat) as caught:
        get_writer(name)
    assert caught.value.status_code == 400
    message = caught.value.fields["format"][0]
    assert message.startswith("Unknown format") and "jsonl, conll, web-annotation, claimreview, csv" in message
