"""Telemetry from MQTT: a subscriber that collects readings and hands them to a callback in batches.

Devices (or a gateway) publish readings to `civicpact/<contract>/telemetry`: a message is one JSON object
(`{"asset": ..., "timestamp": ..., "status" or "value": ...}`, see schemas/telemetry-row.schema.json), a JSON
array of them, or NDJSON (one object per line). The subscriber buffers readings per topic and calls
`on_batch(topic, readings)` when a topic has `batch_size` readings or its oldest reading has waited
`batch_seconds`; the readings are mappings, or the raw text of a line that is not a JSON object (so that the
ingest rejects it into the rejection report instead of the subscriber dropping it). Feed a batch to
`civicpact.performance.ingest.ingest(ObjectSource(readings), ...)`.

The connection is kept by paho-mqtt's network thread: a lost connection is retried with a delay growing from
`reconnect_min_delay` to `reconnect_max_delay` seconds, and the subscription is made again on every connect.
When `on_batch` raises, the batch is kept and offered again at the next flush (after `batch_seconds`).

Acknowledgement: by default a message is acknowledged when it arrives, so readings still in the buffer when the
process dies are lost (at most one batch window). With `manual_ack=True` (QoS 1) a message is acknowledged only
after its batch was handed over successfully; with a fixed `client_id` and `clean_session=False` the broker
redelivers the rest after a crash (the ingest's duplicate check and content hash make redelivery harmless). The
broker sends a client only so many unacknowledged messages (Mosquitto's `max_inflight_messages`, 20 by default),
so with manual acknowledgement keep `batch_size` at or below it, or batches fill by time only.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

TOPIC = "civicpact/+/telemetry"
Reading = Mapping[str, Any] | str
OnBatch = Callable[[str, list[Reading]], None]

log = logging.getLogger(__name__)


def telemetry_topic(contract: str) -> str:
    return f"civicpact/{contract}/telemetry"


def contract_of_topic(topic: str) -> str | None:
    """The contract of a `civicpact/<contract>/telemetry` topic, or None for another topic."""
    parts = topic.split("/")
    if len(parts) == 3 and parts[0] == "civicpact" and parts[2] == "telemetry" and parts[1]:
        return parts[1]
    return None


def split_payload(payload: bytes) -> list[Reading]:
    """A message's readings: one JSON object, a JSON array of objects, or NDJSON lines."""
    text = payload.decode("utf-8", errors="replace").strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            items = json.loads(text)
        except ValueError:
            return [text]
        return [item if isinstance(item, dict) else json.dumps(item) for item in items]
    try:
        whole = json.loads(text)
    except ValueError:
        return [line.strip() for line in text.splitlines() if line.strip()]  # NDJSON: the ingest parses each line
    return [whole if isinstance(whole, dict) else text]


@dataclass
class _Buffer:
    readings: list[Reading] = field(default_factory=list)
    acks: list[tuple[int, int]] = field(default_factory=list)  # (mid, qos) of the messages in it
    since: float = 0.0  # monotonic time of its oldest reading (or of the last failed hand-over)


class TelemetrySubscriber:
    """Collects readings from MQTT and hands them to `on_batch(topic, readings)` in batches (see the module)."""

    def __init__(
        self,
        on_batch: OnBatch,
        *,
        topic: str = TOPIC,
        host: str = "127.0.0.1",
        port: int = 1883,
        qos: int = 1,
        batch_size: int = 500,
        batch_seconds: float = 5.0,
        client_id: str = "",
        clean_session: bool = True,
        manual_ack: bool = False,
        username: str | None = None,
        password: str | None = None,
        keepalive: int = 30,
        reconnect_min_delay: int = 1,
        reconnect_max_delay: int = 30,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size: give at least 1")
        if batch_seconds <= 0:
            raise ValueError("batch_seconds: give a positive number of seconds")
        self.on_batch = on_batch
        self.topic, self.host, self.port, self.qos = topic, host, port, qos
        self.batch_size, self.batch_seconds, self.keepalive = batch_size, batch_seconds, keepalive
        self.manual_ack = manual_ack and qos > 0
        self.connected = threading.Event()  # set while connected and subscribed (the broker acknowledged it)
        self.connects = 0  # successful connections so far (more than 1: it reconnected)
        self._buffers: dict[str, _Buffer] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._flusher: threading.Thread | None = None
        self._client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=clean_session,
            manual_ack=self.manual_ack,
        )
        if username is not None:
            self._client.username_pw_set(username, password)
        self._client.reconnect_delay_set(reconnect_min_delay, reconnect_max_delay)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_message = self._on_message

    # --- life cycle

    def start(self) -> None:
        """Connect (in the background, retrying until the broker answers) and start handing over batches."""
        self._stopping.clear()
        self._flusher = threading.Thread(target=self._flush_loop, name="civicpact-mqtt-flush", daemon=True)
        self._flusher.start()
        self._client.connect_async(self.host, self.port, keepalive=self.keepalive)
        self._client.loop_start()

    def stop(self, *, flush: bool = True) -> None:
        """Disconnect; with `flush`, hand over what is buffered first."""
        self._stopping.set()
        self._wake.set()
        if self._flusher is not None:
            self._flusher.join()
            self._flusher = None
        if flush:
            self.flush()
        self._client.disconnect()
        self._client.loop_stop()
        self.connected.clear()

    def __enter__(self) -> TelemetrySubscriber:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_connected(self, timeout: float) -> bool:
        return self.connected.wait(timeout)

    def buffered(self) -> int:
        """Readings received and not handed over yet."""
        with self._lock:
            return sum(len(buffer.readings) for buffer in self._buffers.values())

    def flush(self) -> None:
        """Hand over every buffered reading now."""
        self._hand_over(force=True)

    # --- paho callbacks (on paho's network thread)

    def _on_connect(self, client: paho.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        if reason_code.is_failure:
            log.warning("MQTT %s:%s refused the connection: %s", self.host, self.port, reason_code)
            return
        self.connects += 1
        client.subscribe(self.topic, qos=self.qos)
        log.info("MQTT connected to %s:%s, subscribing to %s", self.host, self.port, self.topic)

    def _on_subscribe(self, client: paho.Client, userdata: Any, mid: int, reason_codes: Any, properties: Any) -> None:
        if any(code.is_failure for code in reason_codes):
            log.warning(
                "MQTT %s:%s refused the subscription to %s: %s", self.host, self.port, self.topic, reason_codes
            )
            return
        self.connected.set()

    def _on_disconnect(
        self, client: paho.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any
    ) -> None:
        self.connected.clear()
        if not self._stopping.is_set():
            log.warning("MQTT connection to %s:%s lost (%s); reconnecting", self.host, self.port, reason_code)

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        readings = split_payload(bytes(message.payload))
        with self._lock:
            buffer = self._buffers.setdefault(message.topic, _Buffer())
            if not buffer.readings and not buffer.acks:
                buffer.since = time.monotonic()
            buffer.readings.extend(readings)
            if self.manual_ack:
                buffer.acks.append((message.mid, message.qos))
            full = len(buffer.readings) >= self.batch_size
        if full:
            self._wake.set()

    # --- handing over

    def _flush_loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(timeout=min(self.batch_seconds, 0.5))
            self._wake.clear()
            if self._stopping.is_set():
                break
            self._hand_over(force=False)

    def _hand_over(self, *, force: bool) -> None:
        now = time.monotonic()
        due: list[tuple[str, _Buffer]] = []
        with self._lock:
            for topic, buffer in list(self._buffers.items()):
                ripe = len(buffer.readings) >= self.batch_size or now - buffer.since >= self.batch_seconds
                if (buffer.readings or buffer.acks) and (force or ripe):
                    due.append((topic, buffer))
                    del self._buffers[topic]
        for topic, buffer in due:
            for start in range(0, max(len(buffer.readings), 1), self.batch_size):
                part = buffer.readings[start : start + self.batch_size]
                if part and not self._call(topic, part):
                    self._keep(topic, _Buffer(buffer.readings[start:], buffer.acks, time.monotonic()))
                    break
            else:
                for mid, qos in buffer.acks:
                    self._client.ack(mid, qos)

    def _call(self, topic: str, readings: list[Reading]) -> bool:
        try:
            self.on_batch(topic, readings)
        except Exception:
            log.exception("handing over %d readings from %s failed; kept for the next flush", len(readings), topic)
            return False
        return True

    def _keep(self, topic: str, buffer: _Buffer) -> None:
        """Put a batch that failed back in front of what arrived since."""
        with self._lock:
            newer = self._buffers.get(topic)
            if newer is not None:
                buffer.readings.extend(newer.readings)
                buffer.acks.extend(newer.acks)
            self._buffers[topic] = buffer


def run(on_batch: OnBatch, *, stop: threading.Event | None = None, **options: Any) -> None:
    """Subscribe until `stop` is set (or KeyboardInterrupt): the loop behind `civicpact ingest-mqtt`."""
    subscriber = TelemetrySubscriber(on_batch, **options)
    subscriber.start()
    try:
        (stop or threading.Event()).wait()
    except KeyboardInterrupt:
        pass
    finally:
        subscriber.stop()
