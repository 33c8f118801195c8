"""The adapter registry: names to adapter classes. `registry` holds the six built-ins;
extensions may register more (`registry.register(MyAdapter)`)."""

from core.integrations.adapters.base import Adapter, Context
from core.integrations.adapters.cloudwatch import CloudWatchAdapter
from core.integrations.adapters.datadog import DatadogAdapter
from core.integrations.adapters.grafana import GrafanaAdapter
from core.integrations.adapters.http_json import HttpJsonAdapter
from core.integrations.adapters.pagerduty import PagerDutyAdapter
from core.integrations.adapters.prometheus import PrometheusAdapter
from core.outbound import STRICT, Policy

BUILT_IN = (
    PrometheusAdapter,
    GrafanaAdapter,
    HttpJsonAdapter,
    DatadogAdapter,
    CloudWatchAdapter,
    PagerDutyAdapter,
)


class UnknownAdapter(KeyError):
    def __init__(self, name: str):
        super().__init__(name)
        self.message = f"Unknown adapter: {name}"


class AdapterRegistry:
    def __init__(self, adapters=()):
        self._adapters: dict[str, type[Adapter]] = {}
        for adapter in adapters:
            self.register(adapter)

    def register(self, adapter: type[Adapter]) -> type[Adapter]:
        if not adapter.name:
            raise ValueError("An adapter needs a name")
        if adapter.name in self._adapters and self._adapters[adapter.name] is not adapter:
            raise ValueError(f"Adapter {adapter.name!r} is already registered")
        self._adapters[adapter.name] = adapter
        return adapter

    def has(self, name: str) -> bool:
        return name in self._adapters

    def get(self, name: str) -> type[Adapter]:
        try:
            return self._adapters[name]
        except KeyError:
            raise UnknownAdapter(name) from None

    def create(
        self, name: str, config: dict, *, policy: Policy = STRICT, context: Context | None = None
    ) -> Adapter:
        return self.get(name)(config, policy=policy, context=context)

    def names(self) -> list[str]:
        return list(self._adapters)

    def list(self) -> list[dict]:
        return [adapter.describe() for adapter in self._adapters.values()]


registry = AdapterRegistry(BUILT_IN)
