"""The connection to Milvus and the collection layout: one client per store and process, one schema.

A file path as URI is Milvus Lite embedded in this process (pymilvus starts it); `http://host:19530` is
a Milvus server — Standalone, Distributed, or `milvus-lite server` for development. Readers go through
an alias (settings.milvus_collection); a full build fills a new collection and then moves the alias.
The index's manifest is kept as collection properties (`qa.*`), so it moves with the alias.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from qa_app.errors import StoreUnavailable
from qa_app.settings import Settings

INSTALL_HINT = ("the Milvus store needs the optional extra: pip install 'qa_app[milvus]' "
                "(in a checkout: .venv/bin/pip install -e '.[milvus]', which `make test` does)")
PREFIX = "qa."
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Layout:
    """Sizes and index choices of the collection: configuration as data, one place."""

    exact_limit: int = 100_000  # up to this many records the dense index is FLAT (exact), above it HNSW
    hnsw: tuple[int, int] = (16, 200)  # M, efConstruction
    hnsw_ef_min: int = 64  # search breadth; at least the number of hits asked for
    id_bytes: int = 512
    name_bytes: int = 256
    max_leaders: int = 64
    max_units: int = 512
    chunk_bytes: int = 65_535
    batch: int = 500  # rows per insert/upsert call
    timeout_s: float = 30.0


LAYOUT = Layout()
# pymilvus pings idle connections every 10 s; a Python gRPC server (`milvus-lite server`) answers that with
# GOAWAY "too_many_pings" and drops the connection. Ping only while a call is in flight.
GRPC_OPTIONS = {"grpc.keepalive_time_ms": 60_000, "grpc.keepalive_permit_without_calls": False}
_CLIENTS: dict[tuple[str, str], object] = {}
_LOCK = threading.Lock()


def pymilvus():
    """The pymilvus module, or StoreUnavailable with the install command."""
    try:
        import pymilvus as module
    except ImportError as exc:
        raise StoreUnavailable(INSTALL_HINT) from exc
    # Milvus Lite gives no MVCC timestamp to query iterators; pymilvus then warns on every read of the store.
    logging.getLogger("pymilvus.client.iterator.query_iterator").setLevel(logging.ERROR)
    return module


def translated(func):
    """Milvus's own errors (unreachable server, refused request) → StoreUnavailable, one clear line."""

    @functools.wraps(func)
    def wrapper(settings: Settings, *args, **kwargs):
        module = pymilvus()
        try:
            return func(settings, *args, **kwargs)
        except module.MilvusException as exc:
            raise StoreUnavailable(f"Milvus at {settings.milvus_target()}: {exc.message}") from exc

    return wrapper


def is_local(uri: str) -> bool:
    return "://" not in uri


def require(settings: Settings):
    """pymilvus (and Milvus Lite for a file path), or StoreUnavailable with the install command: the CLI
    calls this first, so a missing extra is said at once, not after the model has loaded."""
    module = pymilvus()
    if is_local(settings.milvus_target()):
        try:
            import milvus_lite  # noqa: F401  (pymilvus needs it for a file path)
        except ImportError as exc:
            raise StoreUnavailable(INSTALL_HINT) from exc
    return module


def connect(settings: Settings):
    """The process's client for this store (Milvus Lite starts on first use of a file path)."""
    module = require(settings)
    uri = settings.milvus_target()
    if is_local(uri):
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
        uri = str(Path(uri).resolve())
    key = (uri, settings.milvus_token or "")
    with _LOCK:
        if key not in _CLIENTS:
            _CLIENTS[key] = _client(module, uri, settings.milvus_token or "")
        return _CLIENTS[key]


def _client(module, uri: str, token: str):
    quiet = logging.getLogger("milvus_lite.server_manager")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # it logs a traceback before pymilvus raises; the message below says it
    try:
        return module.MilvusClient(uri=uri, token=token, timeout=LAYOUT.timeout_s, grpc_options=GRPC_OPTIONS)
    except (module.MilvusException, AssertionError) as exc:
        if is_local(uri):
            raise StoreUnavailable(
                f"cannot open the Milvus Lite file {uri}: another process has it open (an embedded store "
                f"serves one process; for several, run `milvus-lite server --data-dir {uri} --host 127.0.0.1 "
                "--port 19530` and use --milvus-uri http://127.0.0.1:19530)") from exc
        raise StoreUnavailable(f"cannot reach Milvus at {uri}: {getattr(exc, 'message', exc)}") from exc
    finally:
        quiet.setLevel(level)


def live_collection(client, alias: str) -> str | None:
    """The collection the alias points at, or None (no alias yet). list_aliases first: describe_alias
    on a missing alias logs an error in pymilvus."""
    if alias not in client.list_aliases().get("aliases", []):
        return None
    return client.describe_alias(alias)["collection_name"]


def manifest_of(client, collection: str) -> dict:
    """The qa.* properties, JSON-decoded."""
    properties = client.describe_collection(collection).get("properties", {}) or {}
    found = {}
    for key, value in properties.items():
        if key.startswith(PREFIX):
            try:
                found[key[len(PREFIX):]] = json.loads(value)
            except ValueError:
                found[key[len(PREFIX):]] = value
    return found


def write_manifest(client, collection: str, manifest: dict) -> None:
    client.alter_collection_properties(
        collection, properties={PREFIX + k: json.dumps(v, ensure_ascii=False) for k, v in manifest.items()})


def ensure_loaded(client, collection: str) -> None:
    """Milvus Lite reopens its collections released; a cluster keeps them loaded."""
    if str(client.get_load_state(collection).get("state")) != "Loaded":
        client.load_collection(collection)


def create_collection(client, name: str, dim: int, records: int) -> None:
    """The schema: record id as key, record JSON and chunk, both vectors, and the filter fields."""
    types = pymilvus().DataType
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", types.VARCHAR, is_primary=True, max_length=LAYOUT.id_bytes)
    schema.add_field("doc", types.VARCHAR, max_length=LAYOUT.id_bytes)
    schema.add_field("pos", types.INT64)  # place in its document: records load in corpus order
    schema.add_field("year", types.INT64, nullable=True)
    schema.add_field("period", types.VARCHAR, max_length=64)
    schema.add_field("kind", types.VARCHAR, max_length=16)
    schema.add_field("number", types.INT64, nullable=True)
    for field, capacity in (("leaders", LAYOUT.max_leaders), ("units", LAYOUT.max_units)):
        schema.add_field(field, types.ARRAY, element_type=types.VARCHAR, max_capacity=capacity,
                         max_length=LAYOUT.name_bytes)
    schema.add_field("record", types.JSON)
    schema.add_field("chunk", types.VARCHAR, max_length=LAYOUT.chunk_bytes)
    schema.add_field("key", types.VARCHAR, max_length=64)  # embedding cache key: model + chunk text
    schema.add_field("hash", types.VARCHAR, max_length=64)  # what an update compares
    schema.add_field("dense", types.FLOAT_VECTOR, dim=dim)
    schema.add_field("lexical", types.SPARSE_FLOAT_VECTOR)
    params = client.prepare_index_params()
    if records <= LAYOUT.exact_limit:
        params.add_index("dense", index_type="FLAT", metric_type="IP")
    else:
        m, construction = LAYOUT.hnsw
        params.add_index("dense", index_type="HNSW", metric_type="IP", params={"M": m, "efConstruction": construction})
    params.add_index("lexical", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    for field in ("doc", "period", "kind", "year", "number"):
        params.add_index(field, index_type="INVERTED")
    client.create_collection(name, schema=schema, index_params=params)
    _index_arrays(client, name)


def _index_arrays(client, name: str) -> None:
    """INVERTED indexes on the name arrays where the server has them (a cluster; Milvus Lite scans)."""
    module = pymilvus()
    if str(client.get_server_version()).startswith("milvus_lite"):
        return
    for field in ("leaders", "units"):
        params = client.prepare_index_params()
        params.add_index(field, index_type="INVERTED")
        try:
            client.create_index(name, params)
        except module.MilvusException as exc:
            log.info("no index on %s (%s); filters on it scan", field, exc.message)


def dense_search_params(settings_records: int, k: int) -> dict:
    if settings_records <= LAYOUT.exact_limit:
        return {"metric_type": "IP"}
    return {"metric_type": "IP", "params": {"ef": max(k, LAYOUT.hnsw_ef_min)}}


def read_rows(client, collection: str, fields: list[str], expression: str = "") -> list[dict]:
    """Every row (matching the expression) with these fields, in batches."""
    rows: list[dict] = []
    iterator = client.query_iterator(collection, batch_size=1000, filter=expression, output_fields=fields)
    try:
        while batch := iterator.next():
            rows.extend(batch)
    finally:
        iterator.close()
    return rows


def literal(value: str) -> str:
    """A Milvus string literal."""
    return json.dumps(value, ensure_ascii=False)


def in_list(field: str, values) -> str:
    return f"{field} in [{', '.join(literal(v) for v in values)}]"
