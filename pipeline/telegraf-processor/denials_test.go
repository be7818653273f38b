package telemetry

import (
	"testing"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/influxdata/telegraf/metric"
)

// A report as provisioning/mosquitto/denials/carbonreducer_denials.c publishes it.
const deniedReportJSON = `{"v":1,"since":1796347703,"reason":"no_acl_allows","publish":3,"subscribe":1,"topics":[` +
	`{"action":"publish","topic":"no/\"q\"/b","messages":2},{"action":"subscribe","topic":"secret/#","messages":1},` +
	`{"action":"publish","topic":"(other topics)","messages":1}]}`

func TestDeniedReportBecomesPointsPerTopicAndTotals(t *testing.T) {
	f := newFlowTracker(t0, 30*time.Second)
	if s := f.state(t0); s.deniedPublish != -1 || s.deniedSubscr != -1 {
		t.Fatalf("before any report: %+v", s)
	}
	f.sys(sysDeniedTopic, deniedReportJSON)
	if s := f.state(t0); s.deniedPublish != 3 || s.deniedSubscr != 1 {
		t.Fatalf("totals: %+v", s)
	}
	got := f.deniedChanged()
	want := []deniedCount{
		{topic: "(other topics)", action: "publish", reason: "no_acl_allows", messages: 1, brokerSince: 1796347703},
		{topic: `no/"q"/b`, action: "publish", reason: "no_acl_allows", messages: 2, brokerSince: 1796347703},
		{topic: "secret/#", action: "subscribe", reason: "no_acl_allows", messages: 1, brokerSince: 1796347703},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("point %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if again := f.deniedChanged(); len(again) != 0 {
		t.Fatalf("drained twice: %+v", again)
	}
}

func TestDeniedReportThatDoesNotParseChangesNothing(t *testing.T) {
	f := newFlowTracker(t0, 30*time.Second)
	f.sys(sysDeniedTopic, deniedReportJSON)
	f.deniedChanged()
	for _, bad := range []string{"", "{", `{"v":2,"reason":"x","publish":9}`, `{"v":1,"publish":9}`, `[1]`} {
		f.sys(sysDeniedTopic, bad)
	}
	if s := f.state(t0); s.deniedPublish != 3 {
		t.Fatalf("a bad report changed the totals: %+v", s)
	}
	if got := f.deniedChanged(); len(got) != 0 {
		t.Fatalf("a bad report made points: %+v", got)
	}
}

// Through the processor: the $SYS message is acknowledged and not stored; the flow tick emits the points.
func TestProcessorEmitsDeniedByTopic(t *testing.T) {
	p := &Telemetry{FlowInterval: 0}
	acc := &lockedCollector{}
	if err := p.Start(acc); err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	var delivered []telegraf.DeliveryInfo
	raw := metric.New("telemetry_raw", map[string]string{"topic": sysDeniedTopic, "ingest": "mqtt"},
		map[string]interface{}{"value": deniedReportJSON}, time.Now())
	tracked, _ := metric.WithTracking(raw, func(d telegraf.DeliveryInfo) { delivered = append(delivered, d) })
	if err := p.Add(tracked, acc); err != nil {
		t.Fatal(err)
	}
	if len(delivered) != 1 || !delivered[0].Delivered() {
		t.Fatalf("the report was not acknowledged: %v", delivered)
	}
	deadline := time.Now().Add(5 * time.Second)
	var points []telegraf.Metric
	var flow telegraf.Metric
	for (len(points) < 3 || flow == nil) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		acc.mu.Lock()
		points = points[:0]
		for _, m := range acc.metrics {
			switch m.Name() {
			case deniedByTopicMeasurement:
				points = append(points, m)
			case flowMeasurement:
				flow = m
			case "telemetry_raw", "telemetry_rejects":
				t.Errorf("the report became %v", m)
			}
		}
		acc.mu.Unlock()
	}
	if len(points) != 3 || flow == nil {
		t.Fatalf("within 5 s: %d ingest_denied_by_topic points, ingest_flow %v", len(points), flow)
	}
	m := points[1]
	if topic, _ := m.GetTag("topic"); topic != `no/"q"/b` {
		t.Fatalf("second point: %v", m)
	}
	if a, _ := m.GetTag("action"); a != "publish" {
		t.Fatalf("action: %v", m)
	}
	if r, _ := m.GetTag("reason"); r != "no_acl_allows" {
		t.Fatalf("reason: %v", m)
	}
	if n, _ := m.GetField("denied_messages"); n != int64(2) {
		t.Fatalf("denied_messages: %v", m)
	}
	if n, _ := flow.GetField("broker_denied_publishes"); n != int64(3) {
		t.Fatalf("ingest_flow broker_denied_publishes: %v", flow)
	}
}
