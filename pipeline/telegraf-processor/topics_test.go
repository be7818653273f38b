package telemetry

import (
	"fmt"
	"testing"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/influxdata/telegraf/metric"
)

func TestOtherContractTopics(t *testing.T) {
	for topic, want := range map[string]bool{
		"carbonreducer/h1/commands/dw1":              true,
		"carbonreducer/h1/acks/dw1":                  true,
		"carbonreducer/h1/events/dw1":                true,
		"carbonreducer/h1/notifications":             true,
		"carbonreducer/commands/all":                 true,
		"carbonreducer/_workflows/probe/1234-abcd":   true,
		"carbonreducer/h1/telemetry/meter/main":      false, // telemetry: validated
		"carbonreducer/h1/status/main":               false,
		"carbonreducer/h1/acks/dw1/extra":            false, // off the layout: a reject
		"carbonreducer/h1/acks/Bad Id":               false,
		"carbonreducer/H1/commands/dw1":              false,
		"carbonreducer/h1/whatever":                  false,
		"other/h1/commands/dw1":                      false,
		"carbonreducer":                              false,
		"carbonreducer/h1/notifications/extra/level": false,
	} {
		if got := otherContractTopic(topic); got != want {
			t.Errorf("otherContractTopic(%q) = %v, want %v", topic, got, want)
		}
	}
}

// sendTracked hands the processor a tracked MQTT (or HTTP) message and returns whether its delivery was accepted
// at once (no points made from it).
func sendTracked(t *testing.T, p *Telemetry, acc *lockedCollector, ingest, topic, payload string, redelivered bool) bool {
	t.Helper()
	tags := map[string]string{"topic": topic, "ingest": ingest}
	if redelivered {
		tags[redeliveredTag] = "true"
	}
	var delivered []telegraf.DeliveryInfo
	m, _ := metric.WithTracking(metric.New("telemetry_raw", tags, map[string]interface{}{"value": payload}, time.Now()),
		func(d telegraf.DeliveryInfo) { delivered = append(delivered, d) })
	if err := p.Add(m, acc); err != nil {
		t.Fatal(err)
	}
	return len(delivered) == 1 && delivered[0].Delivered()
}

func TestOffContractTopicsAreRejectsCountedPerTopic(t *testing.T) {
	p := &Telemetry{FlowInterval: -1}
	if err := p.Start(&lockedCollector{}); err != nil {
		t.Fatal(err)
	}
	p.flow = newFlowTracker(time.Now(), 30*time.Second) // Start with a negative interval emits nothing itself
	acc := &lockedCollector{}

	// The contract's other streams: acknowledged at once, nothing stored, counted as such.
	for _, topic := range []string{"carbonreducer/h1/commands/dw1", "carbonreducer/h1/acks/dw1", "carbonreducer/_workflows/probe/x"} {
		if !sendTracked(t, p, acc, "mqtt", topic, `{"action":"start"}`, false) {
			t.Errorf("%s: not acknowledged at once", topic)
		}
	}
	if len(acc.metrics) != 0 {
		t.Fatalf("the contract's other streams made points: %v", keys(acc.metrics))
	}

	// Off the contract: a bad_topic reject each, counted per topic; a redelivery not again.
	sendTracked(t, p, acc, "mqtt", "carbonreducer/h1/foo", "{}", false)
	sendTracked(t, p, acc, "mqtt", "carbonreducer/h1/foo", "{}", true)
	sendTracked(t, p, acc, "mqtt", "carbonreducer/h1/foo", "{}", false)
	sendTracked(t, p, acc, "mqtt", "carbonreducer/h2/telemetry/toaster/t", `{"v":1}`, false)
	// Over HTTP a commands topic is not telemetry either: a reject.
	sendTracked(t, p, acc, "http", "carbonreducer/h1/commands/dw1", "{}", false)
	// A bad reading on a good topic: a reject, not bad_topic.
	sendTracked(t, p, acc, "mqtt", "carbonreducer/h1/telemetry/meter/main", `{"v":1,"ts":1764201600000,"powerW":"x"}`, false)

	rejectPoints, _ := (&redeliveryRun{acc: acc}).distinct(rejectsMeasurement)
	if rejectPoints != 5 {
		t.Errorf("%d reject points, want 5 (foo twice, toaster, the HTTP command, the bad reading)", rejectPoints)
	}
	got := map[string]int64{}
	for _, c := range p.flow.topicsChanged() {
		got[c.topic] = c.rejectedMessages
	}
	want := map[string]int64{
		"carbonreducer/h1/foo":                  2,
		"carbonreducer/h2/telemetry/toaster/t":  1,
		"carbonreducer/h1/commands/dw1":         1,
		"carbonreducer/h1/telemetry/meter/main": 1,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rejected messages per topic %v, want %v", got, want)
	}
	if again := p.flow.topicsChanged(); len(again) != 0 {
		t.Errorf("unchanged topics emitted again: %v", again)
	}
	f := p.flow.state(time.Now()).fields()
	if f["rejects"] != int64(5) || f["bad_topic_messages"] != int64(4) || f["other_contract_messages"] != int64(3) {
		t.Errorf("ingest_flow rejects %v, bad_topic_messages %v, other_contract_messages %v; want 5, 4, 3",
			f["rejects"], f["bad_topic_messages"], f["other_contract_messages"])
	}
}

func TestRejectTopicsAreBounded(t *testing.T) {
	tally := newTopicTally()
	for i := 0; i < maxRejectTopics+50; i++ {
		tally.add(fmt.Sprintf("spam/%d", i))
	}
	tally.add("spam/0")
	counts := tally.drain()
	if len(counts) != maxRejectTopics+1 {
		t.Fatalf("%d series, want %d + 1", len(counts), maxRejectTopics)
	}
	for _, c := range counts {
		if c.topic == otherRejectTopics && c.rejectedMessages != 50 {
			t.Errorf("%s: %d, want 50", otherRejectTopics, c.rejectedMessages)
		}
		if c.topic == "spam/0" && c.rejectedMessages != 2 {
			t.Errorf("spam/0: %d, want 2", c.rejectedMessages)
		}
	}
}

// The per-topic point goes out with the flow tick.
func TestRejectsByTopicPointsAreEmitted(t *testing.T) {
	p := &Telemetry{FlowInterval: 0}
	acc := &lockedCollector{}
	if err := p.Start(acc); err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	sendTracked(t, p, &lockedCollector{}, "mqtt", "carbonreducer/h1/foo", "{}", false)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		acc.mu.Lock()
		for _, m := range acc.metrics {
			if m.Name() == rejectsByTopicMeasurement {
				topic, _ := m.GetTag("topic")
				n, _ := m.GetField("rejected_messages")
				acc.mu.Unlock()
				if topic != "carbonreducer/h1/foo" || n != int64(1) {
					t.Fatalf("%s topic=%q rejected_messages=%v", rejectsByTopicMeasurement, topic, n)
				}
				return
			}
		}
		acc.mu.Unlock()
	}
	t.Fatalf("no %s point within 5 s", rejectsByTopicMeasurement)
}
