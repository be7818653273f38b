package telemetry

import (
	"sync"
	"testing"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/influxdata/telegraf/metric"
)

var t0 = time.Unix(1764201600, 0)

func TestFlowUnhealthyWhenNothingArrivesOverMQTT(t *testing.T) {
	f := newFlowTracker(t0, 30*time.Second)
	if s := f.state(t0.Add(29 * time.Second)); !s.healthy {
		t.Fatalf("unhealthy after 29 s: %+v", s)
	}
	// The broker's heartbeat every 10 s keeps an idle stack healthy.
	for i := 1; i <= 6; i++ {
		f.mqttMessage(t0.Add(time.Duration(i*10) * time.Second))
	}
	if s := f.state(t0.Add(65 * time.Second)); !s.healthy || s.mqttMessages != 6 {
		t.Fatalf("heartbeats did not keep it healthy: %+v", s)
	}
	// Then nothing, not even the heartbeat: the consumer is stalled or disconnected.
	s := f.state(t0.Add(91 * time.Second))
	if s.healthy || s.mqttSilentS != 31 {
		t.Fatalf("silent for 31 s yet %+v", s)
	}
	f.mqttMessage(t0.Add(92 * time.Second))
	if s := f.state(t0.Add(92 * time.Second)); !s.healthy {
		t.Fatalf("a message arrived, still %+v", s)
	}
}

func TestFlowUnhealthyWhenTheOutputWritesNothingWhilePointsWait(t *testing.T) {
	f := newFlowTracker(t0, 30*time.Second)
	beat := func(s int) { f.mqttMessage(t0.Add(time.Duration(s) * time.Second)) }
	f.output(t0.Add(10*time.Second), 100, 50)
	beat(10)
	f.output(t0.Add(20*time.Second), 100, 4000) // InfluxDB down: points wait, none written
	beat(20)
	f.output(t0.Add(30*time.Second), 100, 8000)
	beat(30)
	if s := f.state(t0.Add(35 * time.Second)); !s.healthy {
		t.Fatalf("25 s without a write is within the bound: %+v", s)
	}
	f.output(t0.Add(40*time.Second), 100, 8000)
	beat(40)
	if s := f.state(t0.Add(41 * time.Second)); s.healthy || s.writeStalledS != 31 || s.bufferSize != 8000 {
		t.Fatalf("31 s of buffered points without a write, yet %+v", s)
	}
	f.output(t0.Add(50*time.Second), 8100, 0) // InfluxDB back
	beat(50)
	if s := f.state(t0.Add(51 * time.Second)); !s.healthy || s.metricsWritten != 8100 {
		t.Fatalf("written again, still %+v", s)
	}
	// Nothing to write is not a stall.
	f.output(t0.Add(100*time.Second), 8100, 0)
	beat(100)
	if s := f.state(t0.Add(101 * time.Second)); !s.healthy {
		t.Fatalf("idle output reported stalled: %+v", s)
	}
}

func TestFlowReadsTheBrokersPublishCounter(t *testing.T) {
	f := newFlowTracker(t0, 30*time.Second)
	if s := f.state(t0); s.brokerReceived != -1 {
		t.Fatalf("before any $SYS value: %d", s.brokerReceived)
	}
	f.sys(sysUptimeTopic, "1234 seconds")
	f.sys(sysReceivedTopic, "98765")
	f.sys(sysReceivedTopic, "garbage")
	if s := f.state(t0); s.brokerReceived != 98765 {
		t.Fatalf("broker publishes received: %d", s.brokerReceived)
	}
}

type lockedCollector struct {
	telegraf.Accumulator
	mu      sync.Mutex
	metrics []telegraf.Metric
}

func (c *lockedCollector) AddMetric(m telegraf.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.metrics = append(c.metrics, m)
}

// $SYS messages are acknowledged and not stored; internal_write goes on unchanged; ingest_flow points are emitted.
func TestProcessorHandlesBrokerHeartbeatAndOutputCounters(t *testing.T) {
	p := &Telemetry{}
	acc := &lockedCollector{}
	if err := p.Start(acc); err != nil {
		t.Fatal(err)
	}
	defer p.Stop()

	var delivered []telegraf.DeliveryInfo
	sys := metric.New("telemetry_raw", map[string]string{"topic": sysReceivedTopic, "ingest": "mqtt"},
		map[string]interface{}{"value": "42"}, time.Now())
	tracked, _ := metric.WithTracking(sys, func(d telegraf.DeliveryInfo) { delivered = append(delivered, d) })
	if err := p.Add(tracked, acc); err != nil {
		t.Fatal(err)
	}
	if len(delivered) != 1 || !delivered[0].Delivered() {
		t.Fatalf("the $SYS message was not acknowledged: %v", delivered)
	}
	write := metric.New("internal_write", map[string]string{"output": "influxdb_v2"},
		map[string]interface{}{"metrics_written": int64(7), "buffer_size": int64(3)}, time.Now())
	if err := p.Add(write, acc); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	var flow telegraf.Metric
	for flow == nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		acc.mu.Lock()
		for _, m := range acc.metrics {
			if m.Name() == flowMeasurement {
				flow = m
			}
		}
		acc.mu.Unlock()
	}
	if flow == nil {
		t.Fatal("no ingest_flow point within 5 s")
	}
	acc.mu.Lock()
	defer acc.mu.Unlock()
	if acc.metrics[0] != write {
		t.Fatalf("internal_write did not go on first and unchanged: %v", acc.metrics[0])
	}
	for _, m := range acc.metrics {
		if m.Name() == "telemetry_rejects" || m.Name() == "telemetry_raw" {
			t.Fatalf("the $SYS message became a point: %v", m)
		}
	}
	if v, _ := flow.GetField("broker_publishes_received"); v != int64(42) {
		t.Errorf("broker_publishes_received %v", v)
	}
	if v, _ := flow.GetField("metrics_written"); v != int64(7) {
		t.Errorf("metrics_written %v", v)
	}
	if v, _ := flow.GetField("healthy"); v != true {
		t.Errorf("healthy %v", v)
	}
}
