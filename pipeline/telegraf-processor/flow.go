package telemetry

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// Ingest health that tells the truth (issue #21): Telegraf's health endpoint judges the `ingest_flow` metric this
// tracker emits every second, instead of the output buffer size, which cannot reach any useful threshold when each
// message carries one reading (the buffer never holds more than max_undelivered_messages).
//
// Two ways telemetry stops while Telegraf still answers:
//   - nothing arrives over MQTT, although the broker's own heartbeat ($SYS/broker/uptime, every 10 s, on the same
//     subscription and through the same delivery window as device telemetry) should: the consumer is stalled or
//     disconnected (with Telegraf 1.37.2 unpatched, after any broker outage longer than 10 s);
//   - the InfluxDB output has points buffered but writes none (internal_write of output influxdb_v2, every 10 s).
// Either for stallAfter makes ingest_flow.healthy false. The broker's count of received publishes
// ($SYS/broker/publish/messages/received) is passed on, so `scripts/stack status` can show devices' publish rate next
// to what Telegraf took in.

// Topics of the broker's heartbeat and publish counter (subscribed in telemetry.conf, readable by the ACL).
const (
	sysUptimeTopic   = "$SYS/broker/uptime"
	sysReceivedTopic = "$SYS/broker/publish/messages/received"
	flowMeasurement  = "ingest_flow"
)

type flowTracker struct {
	mu         sync.Mutex
	stallAfter time.Duration
	startedAt  time.Time

	mqttMessages   int64
	lastMqtt       time.Time
	brokerReceived int64 // -1 until the broker reported it

	// Rejects (issue #21): reject points written, messages on topics outside the contract (bad_topic), messages on
	// the contract's other streams (commands, acks, events, notifications: acknowledged, not stored), per topic.
	rejects       int64
	badTopic      int64
	otherContract int64
	byTopic       topicTally

	// The broker's refusals (denials.go): totals since the broker started (-1 until it reported), per-topic counts
	// reported since the last tick.
	brokerDeniedPublishes  int64
	brokerDeniedSubscribes int64
	deniedPending          map[[2]string]deniedCount

	written          int64
	lastWrittenGrows time.Time // last time metrics_written grew, or the buffer was empty
	bufferSize       int64
}

func newFlowTracker(now time.Time, stallAfter time.Duration) *flowTracker {
	return &flowTracker{stallAfter: stallAfter, startedAt: now, lastMqtt: now, lastWrittenGrows: now, brokerReceived: -1,
		byTopic: newTopicTally(), brokerDeniedPublishes: -1, brokerDeniedSubscribes: -1}
}

// mqttMessage records one message that came through the MQTT consumer (device telemetry or broker heartbeat).
func (f *flowTracker) mqttMessage(now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mqttMessages++
	f.lastMqtt = now
}

// rejected records a message that produced `rejects` reject points (a redelivery of one already counted is not
// recorded again), on `topic`; badTopic when the topic is outside the contract.
func (f *flowTracker) rejected(topic string, rejects int, badTopic bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rejects += int64(rejects)
	if badTopic {
		f.badTopic++
	}
	f.byTopic.add(topic)
}

// otherContractMessage records a message on one of the contract's streams that Telegraf does not store.
func (f *flowTracker) otherContractMessage() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.otherContract++
}

// topicsChanged: per topic whose count of rejected messages changed since the last call, the count since start.
func (f *flowTracker) topicsChanged() []topicCount {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.byTopic.drain()
}

// sys records a $SYS value; the payload is the broker's text ("12345" or "12345 seconds").
func (f *flowTracker) sys(topic, payload string) {
	if topic == sysDeniedTopic {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.denied(payload)
		return
	}
	if topic != sysReceivedTopic {
		return
	}
	n, err := strconv.ParseInt(strings.Fields(payload + " x")[0], 10, 64)
	if err != nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.brokerReceived = n
}

// output records a sample of the InfluxDB output's counters (internal_write, output=influxdb_v2).
func (f *flowTracker) output(now time.Time, written, bufferSize int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if written > f.written || bufferSize == 0 {
		f.lastWrittenGrows = now
	}
	f.written = written
	f.bufferSize = bufferSize
}

// flowState is what one ingest_flow point says.
type flowState struct {
	healthy        bool
	mqttSilentS    float64
	writeStalledS  float64
	mqttMessages   int64
	brokerReceived int64
	bufferSize     int64
	metricsWritten int64
	rejects        int64
	badTopic       int64
	otherContract  int64
	deniedPublish  int64
	deniedSubscr   int64
}

func (f *flowTracker) state(now time.Time) flowState {
	f.mu.Lock()
	defer f.mu.Unlock()
	silent := now.Sub(f.lastMqtt)
	stalled := time.Duration(0)
	if f.bufferSize > 0 {
		stalled = now.Sub(f.lastWrittenGrows)
	}
	return flowState{
		healthy:        silent < f.stallAfter && stalled < f.stallAfter,
		mqttSilentS:    silent.Seconds(),
		writeStalledS:  stalled.Seconds(),
		mqttMessages:   f.mqttMessages,
		brokerReceived: f.brokerReceived,
		bufferSize:     f.bufferSize,
		metricsWritten: f.written,
		rejects:        f.rejects,
		badTopic:       f.badTopic,
		otherContract:  f.otherContract,
		deniedPublish:  f.brokerDeniedPublishes,
		deniedSubscr:   f.brokerDeniedSubscribes,
	}
}

func (s flowState) fields() map[string]interface{} {
	return map[string]interface{}{
		"healthy":                   s.healthy,
		"mqtt_silent_s":             s.mqttSilentS,
		"write_stalled_s":           s.writeStalledS,
		"mqtt_messages":             s.mqttMessages,
		"broker_publishes_received": s.brokerReceived,
		"buffer_size":               s.bufferSize,
		"metrics_written":           s.metricsWritten,
		"rejects":                   s.rejects,
		"bad_topic_messages":        s.badTopic,
		"other_contract_messages":   s.otherContract,
		"broker_denied_publishes":   s.deniedPublish,
		"broker_denied_subscribes":  s.deniedSubscr,
	}
}
