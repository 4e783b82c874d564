import json
import shutil
import socket
import subprocess
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from paho.mqtt import publish

from civicpact.performance.ingest import ObjectSource, ingest, read_month
from civicpact.performance.mqtt import (
    TelemetrySubscriber,
    contract_of_topic,
    split_payload,
    telemetry_topic,
)
from tests.conftest import service_required
from tests.performance.test_ingest import CONTRACT

HOST, PORT = "127.0.0.1", 1883


def reachable(port, host=HOST):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def broker():
    if not reachable(PORT):
        service_required("Mosquitto")
    return PORT


@pytest.fixture
def topic():
    return telemetry_topic(f"test-{uuid.uuid4().hex[:8]}")


class Batches:
    """Collects the batches handed over; `fail` makes the next hand-overs raise."""

    def __init__(self, fail=0):
        self.batches = []
        self.fail = fail
        self.arrived = threading.Condition()

    def __call__(self, topic, readings):
        with self.arrived:
            if self.fail:
                self.fail -= 1
                raise RuntimeError("the store is not there yet")
            self.batches.append((topic, list(readings)))
            self.arrived.notify_all()

    def wait(self, count, timeout=10):
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.batches) >= count, timeout), self.batches
        return self.batches


def row(asset="SL-0001", timestamp="2027-01-05T10:00:00Z", status="up"):
    return {"asset": asset, "timestamp": timestamp, "status": status}


def send(topic, *payloads, port=PORT):
    publish.multiple([{"topic": topic, "payload": p, "qos": 1} for p in payloads], hostname=HOST, port=port)


# --- without a broker -------------------------------------------------------------------------------------------


def test_a_payload_is_an_object_an_array_or_ndjson_lines():
    assert split_payload(json.dumps(row()).encode()) == [row()]
    assert split_payload(json.dumps([row(), row(status="down"), 7]).encode()) == [row(), row(status="down"), "7"]
    ndjson = (json.dumps(row()) + "\n\n" + json.dumps(row(status="down")) + "\n").encode()
    assert split_payload(ndjson) == [json.dumps(row()), json.dumps(row(status="down"))]
    assert split_payload(b"  ") == []
    assert split_payload(b"[broken") == ["[broken"]
    assert split_payload(b'"up"') == ['"up"']


def test_the_contract_is_in_the_topic():
    assert telemetry_topic("7") == "civicpact/7/telemetry"
    assert contract_of_topic("civicpact/7/telemetry") == "7"
    assert contract_of_topic("civicpact//telemetry") is None
    assert contract_of_topic("other/7/telemetry") is None


def test_bad_batch_settings_are_refused():
    with pytest.raises(ValueError, match="batch_size"):
        TelemetrySubscriber(lambda topic, readings: None, batch_size=0)
    with pytest.raises(ValueError, match="batch_seconds"):
        TelemetrySubscriber(lambda topic, readings: None, batch_seconds=0)


# --- against the machine's Mosquitto ----------------------------------------------------------------------------


def test_readings_are_handed_over_every_n_readings(broker, topic):
    batches = Batches()
    with TelemetrySubscriber(batches, topic=topic, port=broker, batch_size=3, batch_seconds=60) as subscriber:
        assert subscriber.wait_connected(10)
        send(
            topic,
            json.dumps(row()),
            json.dumps(row(timestamp="2027-01-05T10:15:00Z"))
            + "\n"
            + json.dumps(row(timestamp="2027-01-05T10:30:00Z")),
        )
        [(got_topic, readings)] = batches.wait(1)
        assert got_topic == topic
        assert readings[0] == row()
        assert [json.loads(r)["timestamp"] for r in readings[1:]] == ["2027-01-05T10:15:00Z", "2027-01-05T10:30:00Z"]
        # a fourth reading waits for two more, or for the time limit, or for stop()
        send(topic, json.dumps([row(timestamp="2027-01-05T10:45:00Z")]))
        deadline = time.monotonic() + 10
        while subscriber.buffered() < 1:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert len(batches.batches) == 1
    assert batches.batches[1] == (topic, [row(timestamp="2027-01-05T10:45:00Z")])


def test_readings_are_handed_over_after_t_seconds(broker, topic):
    batches = Batches()
    with TelemetrySubscriber(batches, topic=topic, port=broker, batch_size=1000, batch_seconds=0.3) as subscriber:
        assert subscriber.wait_connected(10)
        started = time.monotonic()
        send(topic, json.dumps(row()))
        batches.wait(1)
        assert time.monotonic() - started < 5
    assert batches.batches == [(topic, [row()])]


def test_a_batch_that_fails_is_offered_again(broker, topic):
    batches = Batches(fail=1)
    with TelemetrySubscriber(
        batches, topic=topic, port=broker, batch_size=2, batch_seconds=0.3, manual_ack=True
    ) as subscriber:
        assert subscriber.wait_connected(10)
        send(topic, json.dumps(row()), json.dumps(row(status="down", timestamp="2027-01-05T10:15:00Z")))
        batches.wait(1)
    assert batches.batches[0][1] == [row(), row(status="down", timestamp="2027-01-05T10:15:00Z")]


def test_an_mqtt_batch_is_ingested(broker, topic, tmp_path):
    results = []

    def store(topic, readings):
        assert contract_of_topic(topic)
        results.append(
            ingest(ObjectSource(readings), contract=CONTRACT, store=tmp_path, now=datetime(2027, 2, 1, tzinfo=UTC))
        )

    with TelemetrySubscriber(store, topic=topic, port=broker, batch_size=3, batch_seconds=60) as subscriber:
        assert subscriber.wait_connected(10)
        send(topic, json.dumps(row()), json.dumps(row(asset="SL-9999")), "not json")
        deadline = time.monotonic() + 10
        while not results and time.monotonic() < deadline:
            time.sleep(0.05)
    [result] = results
    assert result.accepted == 1
    assert [(r.row, r.field) for r in result.rejections] == [(2, "asset"), (3, "row")]
    assert read_month(tmp_path, "7", "2027-01").to_pylist() == [{"asset": 0, "slot": 424, "state": 0}]


def test_the_subscriber_reconnects_when_the_broker_comes_back(tmp_path, topic):
    binary = shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin:/usr/local/sbin")
    if binary is None:
        service_required("the mosquitto binary")
        return
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]
    config = tmp_path / "mosquitto.conf"
    config.write_text(f"listener {port} {HOST}\nallow_anonymous true\npersistence false\n")

    def start_broker():
        process = subprocess.Popen([binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        deadline = time.monotonic() + 10
        while not reachable(port):
            assert time.monotonic() < deadline, "the private broker did not start"
            time.sleep(0.05)
        return process

    batches = Batches()
    broker = start_broker()
    subscriber = TelemetrySubscriber(
        batches, topic=topic, port=port, batch_size=1, batch_seconds=60, reconnect_min_delay=1, reconnect_max_delay=1
    )
    try:
        subscriber.start()
        assert subscriber.wait_connected(10)
        broker.terminate()
        broker.wait(10)
        deadline = time.monotonic() + 10
        while subscriber.connected.is_set():
            assert time.monotonic() < deadline, "the subscriber did not notice the broker going"
            time.sleep(0.05)
        broker = start_broker()
        assert subscriber.wait_connected(15)
        assert subscriber.connects == 2
        send(topic, json.dumps(row()), port=port)
        assert batches.wait(1) == [(topic, [row()])]
    finally:
        subscriber.stop()
        broker.terminate()
        broker.wait(10)
