"""The Elasticsearch indices and aliases of one namespace (prefix): listing, creating, switching, dropping.

    alias xuncha-issues   → index xuncha-issues-v3     (issue documents)
    alias xuncha-measures → index xuncha-measures-v3   (measure documents)
    alias xuncha-notices  → index xuncha-notices-v3    (notice records with their original text)

Readers and writers use the aliases; a rebuild fills generation v4, then :meth:`Namespace.switch`
moves all three aliases in one atomic ``_aliases`` request. Mappings come from
:mod:`indexer.backends.es_mapping` (generated from :mod:`indexer.fields`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from contextlib import suppress
from typing import Any

from elasticsearch import Elasticsearch

from indexer.backends.elastic_client import translate
from indexer.backends.es_mapping import COLLECTIONS, index_body
from indexer.errors import BackendError, ConfigError
from indexer.types import Target

ISSUES = Target.ISSUES.value
_PREFIX = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")

ModelValues = tuple[str | None, int, str | None]  # (model_id, dims, dictionary_version)


class Namespace:
    """The aliases of one prefix and the versioned indices behind them."""

    def __init__(self, client: Elasticsearch, prefix: str) -> None:
        if not _PREFIX.match(prefix):
            raise ConfigError(f"index prefix {prefix!r}: use lower-case letters, digits, '-', '_' or '.'")
        self.client = client
        self.prefix = prefix
        self.aliases = {c: f"{prefix}-{c}" for c in COLLECTIONS}
        self._versioned = re.compile(rf"^{re.escape(prefix)}-({'|'.join(COLLECTIONS)})-v(\d+)$")

    def state(self) -> tuple[dict[str, dict[int, str]], dict[str, str]]:
        """(collection → generation → index name, collection → index behind the alias)."""
        pattern = ",".join(f"{self.prefix}-{c}-v*" for c in COLLECTIONS)
        with translate("listing indices"):
            resp = self.client.indices.get_alias(index=pattern).body
        versions: dict[str, dict[int, str]] = {c: {} for c in COLLECTIONS}
        live: dict[str, str] = {}
        for index, entry in resp.items():
            m = self._versioned.match(index)
            if not m:
                continue
            collection, gen = m.group(1), int(m.group(2))
            versions[collection][gen] = index
            if self.aliases[collection] in (entry.get("aliases") or {}):
                live[collection] = index
        return versions, live

    def live(self) -> dict[str, str]:
        """Index behind each alias; empty if the namespace does not exist, complete otherwise."""
        _, live = self.state()
        if live and set(live) != set(COLLECTIONS):
            missing = sorted(set(COLLECTIONS) - set(live))
            raise BackendError(f"namespace {self.prefix!r} is incomplete (no alias for {', '.join(missing)}); "
                               "run a reindex, or drop it")
        return live

    def meta(self) -> dict[str, Any]:
        """The ``_meta`` of the live issues index (model, dims, dictionary, versions)."""
        with translate("reading the index metadata"):
            resp = self.client.indices.get_mapping(index=self.aliases[ISSUES]).body
        [entry] = resp.values()
        return dict(entry["mappings"].get("_meta") or {})

    def create_generation(self, values: ModelValues, *, settings: Mapping[str, Any] | None = None) -> dict[str, str]:
        """Create the three indices of the next generation (no aliases); returns their names."""
        versions, _ = self.state()
        gen = max((g for v in versions.values() for g in v), default=0) + 1
        names = {c: f"{self.prefix}-{c}-v{gen}" for c in COLLECTIONS}
        model_id, dims, dictionary = values
        created: list[str] = []
        try:
            for collection, index in names.items():
                body = index_body(collection, model_id=model_id, dims=dims, dictionary_version=dictionary)
                body["settings"]["index"].update(settings or {})
                with translate(f"creating index {index}"):
                    self.client.indices.create(index=index, settings=body["settings"], mappings=body["mappings"])
                created.append(index)
        except BaseException:
            self.delete_indices(created)
            raise
        return names

    def create(self, values: ModelValues) -> dict[str, str]:
        """A first generation with the aliases pointing at it."""
        names = self.create_generation(values)
        try:
            self.switch({}, names)
        except BaseException:
            self.delete_indices(list(names.values()))
            raise
        return names

    def switch(self, live: Mapping[str, str], names: Mapping[str, str]) -> None:
        """Move every alias from ``live`` to ``names`` in one atomic request."""
        actions = [{"remove": {"index": live[c], "alias": self.aliases[c]}} for c in COLLECTIONS if c in live]
        actions += [{"add": {"index": names[c], "alias": self.aliases[c]}} for c in COLLECTIONS]
        with translate("switching the aliases"):
            self.client.indices.update_aliases(actions=actions)

    def delete_indices(self, indices: Sequence[str]) -> None:
        """Best-effort removal (clean-up after a failure)."""
        if indices:
            with suppress(Exception):
                self.client.indices.delete(index=",".join(indices), ignore_unavailable=True)

    def drop(self) -> None:
        """Delete every index of this namespace (all generations, aliases with them)."""
        versions, _ = self.state()
        names = [name for v in versions.values() for name in v.values()]
        if names:
            with translate("deleting the namespace"):
                self.client.indices.delete(index=",".join(names), ignore_unavailable=True)

    def refresh(self, names: Mapping[str, str]) -> None:
        with translate("refreshing"):
            self.client.indices.refresh(index=",".join(names[c] for c in COLLECTIONS))

    def live_settings(self, live: Mapping[str, str]) -> dict[str, dict[str, Any]]:
        """Replicas and refresh interval to restore after a rebuild: the live index's, else defaults."""
        defaults = index_body(ISSUES, model_id=None, dims=1, dictionary_version=None)["settings"]["index"]
        wanted = {"number_of_replicas": defaults["number_of_replicas"], "refresh_interval": defaults["refresh_interval"]}
        out = {c: dict(wanted) for c in COLLECTIONS}
        for collection, index in live.items():
            with translate(f"reading the settings of {index}"):
                current = self.client.indices.get_settings(index=index)[index]["settings"]["index"]
            for key in wanted:
                if key in current:
                    out[collection][key] = current[key]
        return out
