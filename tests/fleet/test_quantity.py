from decimal import Decimal

import pytest

from launchpad.fleet.quantity import format_bytes, parse_quantity


@pytest.mark.parametrize(
    ("text", "value"),
    [("500m", Decimal("0.5")), ("2", Decimal(2)), ("1.5", Decimal("1.5")), ("2Gi", Decimal(2 * 2**30)),
     ("1792Mi", Decimal(1792 * 2**20)), ("1600M", Decimal(1_600_000_000)), ("1e3", Decimal(1000)),
     ("128Ki", Decimal(131072)), (".5", Decimal("0.5"))],
)
def test_parses_like_the_api_server(text: str, value: Decimal) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", "one", "2GB", "-1", "1.2.3", "500 m", "Gi"])
def test_rejects_what_the_api_server_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="is not a Kubernetes quantity"):
        parse_quantity(text)


def test_format_bytes_for_messages() -> None:
    assert format_bytes(2 * 2**30) == "2Gi"
    assert format_bytes(1_600_000_000) == "1.49Gi"
    assert format_bytes(512 * 2**20) == "512Mi"
