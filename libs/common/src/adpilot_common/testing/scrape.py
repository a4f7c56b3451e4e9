"""Reading a service's ``/metrics`` answer in tests."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families


def sample_value(exposition: str, name: str, **labels: str) -> float:
    """The value of the sample ``name`` whose labels include ``labels`` (0.0 if there is none yet)."""
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


async def scrape(client: httpx.AsyncClient, name: str, **labels: str) -> float:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    return sample_value(response.text, name, **labels)
