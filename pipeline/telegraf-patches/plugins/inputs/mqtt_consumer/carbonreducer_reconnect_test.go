package mqtt_consumer

// CarbonReducer's test of mqtt_consumer-keep-delivery-tracking.patch, copied into Telegraf's
// plugins/inputs/mqtt_consumer by `provisioning/telegraf/build.sh --test` (upstream's own tests there need Docker and
// are left out). It runs the plugin with the real paho client against a real Mosquitto (/usr/sbin/mosquitto) that it
// stops and starts again on the same port, as a broker restart does.

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/influxdata/telegraf"
	"github.com/influxdata/telegraf/config"
	"github.com/influxdata/telegraf/metric"
	"github.com/influxdata/telegraf/plugins/parsers/value"
)

// broker is one Mosquitto process with persistence, restartable on the same port and data directory.
type broker struct {
	t    *testing.T
	dir  string
	port int
	cmd  *exec.Cmd
}

func newBroker(t *testing.T) *broker {
	t.Helper()
	if _, err := os.Stat("/usr/sbin/mosquitto"); err != nil {
		t.Fatalf("needs Mosquitto at /usr/sbin/mosquitto (apt-get install mosquitto; scripts/stack install does): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	conf := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location %s/\n"+
		"max_inflight_messages 1000\nmax_queued_messages 100000\nlog_dest stderr\nlog_type error\n", port, dir)
	if os.Geteuid() == 0 {
		conf += "user root\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "mosquitto.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	b := &broker{t: t, dir: dir, port: port}
	b.start()
	t.Cleanup(b.stop)
	return b
}

func (b *broker) url() string { return fmt.Sprintf("tcp://127.0.0.1:%d", b.port) }

func (b *broker) start() {
	b.t.Helper()
	b.cmd = exec.Command("/usr/sbin/mosquitto", "-c", filepath.Join(b.dir, "mosquitto.conf"))
	b.cmd.Stderr = os.Stderr
	if err := b.cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", b.port))
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("mosquitto did not listen on %d: %v", b.port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the broker with SIGTERM (it saves its persistent sessions, as a restart does).
func (b *broker) stop() {
	if b.cmd == nil || b.cmd.Process == nil {
		return
	}
	_ = b.cmd.Process.Signal(os.Interrupt)
	_ = b.cmd.Wait()
	b.cmd = nil
}

// outputAcc plays agent and output: every metric the plugin adds is "written" (accepted) at once, and its delivery
// reported back through Delivered(), as Telegraf does after a successful write.
type outputAcc struct {
	mu        sync.Mutex
	values    map[string]int
	delivered chan telegraf.DeliveryInfo
	errs      []error
}

func newOutputAcc() *outputAcc {
	return &outputAcc{values: map[string]int{}, delivered: make(chan telegraf.DeliveryInfo, 100000)}
}

func (*outputAcc) AddFields(string, map[string]interface{}, map[string]string, ...time.Time)    {}
func (*outputAcc) AddGauge(string, map[string]interface{}, map[string]string, ...time.Time)     {}
func (*outputAcc) AddCounter(string, map[string]interface{}, map[string]string, ...time.Time)   {}
func (*outputAcc) AddSummary(string, map[string]interface{}, map[string]string, ...time.Time)   {}
func (*outputAcc) AddHistogram(string, map[string]interface{}, map[string]string, ...time.Time) {}
func (*outputAcc) AddMetric(telegraf.Metric)                                                    {}
func (*outputAcc) SetPrecision(time.Duration)                                                   {}
func (a *outputAcc) AddError(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.errs = append(a.errs, err)
}
func (a *outputAcc) WithTracking(int) telegraf.TrackingAccumulator { return a }
func (a *outputAcc) AddTrackingMetric(m telegraf.Metric) telegraf.TrackingID {
	return a.AddTrackingMetricGroup([]telegraf.Metric{m})
}
func (a *outputAcc) AddTrackingMetricGroup(group []telegraf.Metric) telegraf.TrackingID {
	tracked, id := metric.WithGroupTracking(group, func(d telegraf.DeliveryInfo) { a.delivered <- d })
	a.mu.Lock()
	for _, m := range tracked {
		if v, ok := m.GetField("value"); ok {
			a.values[fmt.Sprint(v)]++
		}
	}
	a.mu.Unlock()
	// Accepted outside the caller's lock: the notification goes through the buffered channel.
	go func() {
		for _, m := range tracked {
			m.Accept()
		}
	}()
	return id
}
func (a *outputAcc) Delivered() <-chan telegraf.DeliveryInfo { return a.delivered }

func (a *outputAcc) distinct() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.values)
}

type testLogger struct{ t *testing.T }

func (testLogger) Level() telegraf.LogLevel                    { return telegraf.Debug }
func (testLogger) AddAttribute(string, interface{})            {}
func (l testLogger) Errorf(format string, args ...interface{}) { l.t.Logf("E! "+format, args...) }
func (l testLogger) Error(args ...interface{})                 { l.t.Log(append([]interface{}{"E!"}, args...)...) }
func (l testLogger) Warnf(format string, args ...interface{})  { l.t.Logf("W! "+format, args...) }
func (l testLogger) Warn(args ...interface{})                  { l.t.Log(append([]interface{}{"W!"}, args...)...) }
func (l testLogger) Infof(format string, args ...interface{})  { l.t.Logf("I! "+format, args...) }
func (l testLogger) Info(args ...interface{})                  { l.t.Log(append([]interface{}{"I!"}, args...)...) }
func (testLogger) Debugf(string, ...interface{})               {}
func (testLogger) Debug(...interface{})                        {}
func (testLogger) Tracef(string, ...interface{})               {}
func (testLogger) Trace(...interface{})                        {}

const window = 10 // max_undelivered_messages in these tests: a handful of messages fills it

func startConsumer(t *testing.T, b *broker, acc *outputAcc, topics ...string) *MQTTConsumer {
	t.Helper()
	return startConsumerWith(t, b, acc, nil, topics...)
}

// startConsumerWith is startConsumer with any accumulator and a hook that sets further options before Init.
func startConsumerWith(t *testing.T, b *broker, acc telegraf.Accumulator, set func(*MQTTConsumer), topics ...string) *MQTTConsumer {
	t.Helper()
	if len(topics) == 0 {
		topics = []string{"test/#"}
	}
	m := newMQTTConsumer(func(o *mqtt.ClientOptions) client { return mqtt.NewClient(o) })
	m.Servers = []string{b.url()}
	m.Topics = topics
	m.QoS = 1
	m.PersistentSession = true
	m.ClientID = "carbonreducer-reconnect-test"
	m.MaxUndeliveredMessages = window
	m.ConnectionTimeout = config.Duration(2 * time.Second)
	m.Log = testLogger{t}
	p := &value.Parser{MetricName: "m", DataType: "string"}
	if err := p.Init(); err != nil {
		t.Fatal(err)
	}
	m.SetParser(p)
	if set != nil {
		set(m)
	}
	if err := m.Init(); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(acc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	return m
}

func publish(t *testing.T, b *broker, from, to int) {
	t.Helper()
	publishTo(t, b, "test/x", from, to)
}

func publishTo(t *testing.T, b *broker, topic string, from, to int) {
	t.Helper()
	opts := mqtt.NewClientOptions().AddBroker(b.url()).SetClientID(fmt.Sprintf("pub-%d", from))
	c := mqtt.NewClient(opts)
	if tok := c.Connect(); tok.Wait() && tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(100)
	for i := from; i < to; i++ {
		if tok := c.Publish(topic, 1, false, fmt.Sprint(i)); tok.Wait() && tok.Error() != nil {
			t.Fatal(tok.Error())
		}
	}
}

// waitDistinct waits until the plugin has handed on n distinct messages, or fails after timeout.
func waitDistinct(t *testing.T, acc *outputAcc, n int, timeout time.Duration, what string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for acc.distinct() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d of %d messages received after %s (undelivered window: %d)",
				what, acc.distinct(), n, timeout, window)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// reconnect calls Gather (as Telegraf does every interval) until the plugin is connected again.
func reconnect(t *testing.T, m *MQTTConsumer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for !m.client.IsConnected() {
		_ = m.Gather(nil)
		if ctx.Err() != nil {
			t.Fatal("did not reconnect within 20 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The bug (Telegraf 1.37.2): a reconnect attempt that fails with a network error, i.e. any broker outage longer
// than one gather interval, cancelled the delivery-tracking goroutine. After the next successful connect nothing
// was acknowledged, so after max_undelivered_messages messages the plugin received nothing more, while connected.
func TestCarbonreducerResumesAfterFailedReconnect(t *testing.T) {
	b := newBroker(t)
	acc := newOutputAcc()
	m := startConsumer(t, b, acc)
	publish(t, b, 0, 3*window)
	waitDistinct(t, acc, 3*window, 10*time.Second, "before the outage")

	b.stop()
	waitFor(t, func() bool { return !m.client.IsConnected() }, "the plugin to notice the lost broker")
	if err := m.Gather(nil); err == nil {
		t.Fatal("Gather reconnected to a stopped broker")
	}
	b.start()
	reconnect(t, m)

	publish(t, b, 3*window, 10*window)
	waitDistinct(t, acc, 10*window, 10*time.Second, "after the broker restart")
}

// Messages queued in the persistent session while the plugin was away, more than the window, all arrive after it
// reconnects (the broker restart in between keeps them: persistence).
func TestCarbonreducerDrainsPersistentSessionAfterRestart(t *testing.T) {
	b := newBroker(t)
	acc := newOutputAcc()
	m := startConsumer(t, b, acc)
	b.stop()
	waitFor(t, func() bool { return !m.client.IsConnected() }, "the plugin to notice the lost broker")
	_ = m.Gather(nil) // fails: the broker is down
	b.start()
	// Published before the plugin is back: the broker queues them for its session.
	publish(t, b, 0, 20*window)
	reconnect(t, m)
	waitDistinct(t, acc, 20*window, 15*time.Second, "queued in the session")
}

// onConnectionLost of an old client must not disconnect the new one that Gather has connected meanwhile.
func TestCarbonreducerConnectionLostOfOldClientKeepsNewOne(t *testing.T) {
	b := newBroker(t)
	acc := newOutputAcc()
	m := startConsumer(t, b, acc)
	old := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(b.url()).SetClientID("old"))
	m.onConnectionLost(old, fmt.Errorf("simulated loss of an earlier connection"))
	if !m.client.IsConnected() {
		t.Fatal("the current client was disconnected by the connection-lost callback of another client")
	}
}

// A topic added to the configuration is subscribed although the broker still has the session from before.
func TestCarbonreducerSubscribesAddedTopicOnExistingSession(t *testing.T) {
	b := newBroker(t)
	first := startConsumer(t, b, newOutputAcc(), "test/#")
	first.Stop()
	acc := newOutputAcc()
	startConsumer(t, b, acc, "test/#", "other/#")
	publishTo(t, b, "other/y", 0, 5)
	waitDistinct(t, acc, 5, 5*time.Second, "on the added topic")
}

// gatedAcc holds every metric the plugin adds until the gate opens, as Telegraf does while it starts (the agent takes
// metrics from inputs only once every plugin has started).
type gatedAcc struct {
	*outputAcc
	gate chan struct{}
}

func (a *gatedAcc) WithTracking(int) telegraf.TrackingAccumulator { return a }
func (a *gatedAcc) AddTrackingMetricGroup(group []telegraf.Metric) telegraf.TrackingID {
	<-a.gate
	return a.outputAcc.AddTrackingMetricGroup(group)
}

// Start returns although the session it finds is full of queued messages that cannot be handed on yet.
func TestCarbonreducerStartsWithAFullPersistentSession(t *testing.T) {
	b := newBroker(t)
	first := startConsumer(t, b, newOutputAcc())
	first.Stop()
	publish(t, b, 0, 5*window) // queued for the session while the plugin is away
	acc := &gatedAcc{outputAcc: newOutputAcc(), gate: make(chan struct{})}
	m := newMQTTConsumer(func(o *mqtt.ClientOptions) client { return mqtt.NewClient(o) })
	m.Servers = []string{b.url()}
	m.Topics = []string{"test/#"}
	m.QoS = 1
	m.PersistentSession = true
	m.ClientID = "carbonreducer-reconnect-test"
	m.MaxUndeliveredMessages = window
	m.ConnectionTimeout = config.Duration(2 * time.Second)
	m.Log = testLogger{t}
	p := &value.Parser{MetricName: "m", DataType: "string"}
	if err := p.Init(); err != nil {
		t.Fatal(err)
	}
	m.SetParser(p)
	if err := m.Init(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Start(acc) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		close(acc.gate)
		t.Fatal("Start hung: it waited for the SUBACK behind the session's queued messages")
	}
	t.Cleanup(m.Stop)
	close(acc.gate)
	waitDistinct(t, acc.outputAcc, 5*window, 10*time.Second, "queued in the session")
}

// tagAcc records, per message value, the redelivered tag of each time it was handed on ("" when absent). While hold is
// set it never accepts a metric, as while InfluxDB cannot be written, so the broker gets no PUBACK.
type tagAcc struct {
	*outputAcc
	hold bool
	tmu  sync.Mutex
	seen map[string][]string
}

func newTagAcc(hold bool) *tagAcc {
	return &tagAcc{outputAcc: newOutputAcc(), hold: hold, seen: map[string][]string{}}
}

func (a *tagAcc) WithTracking(int) telegraf.TrackingAccumulator { return a }
func (a *tagAcc) AddTrackingMetricGroup(group []telegraf.Metric) telegraf.TrackingID {
	a.tmu.Lock()
	for _, m := range group {
		v, _ := m.GetField("value")
		tag, _ := m.GetTag("redelivered")
		a.seen[fmt.Sprint(v)] = append(a.seen[fmt.Sprint(v)], tag)
	}
	a.tmu.Unlock()
	if a.hold {
		_, id := metric.WithGroupTracking(group, func(telegraf.DeliveryInfo) {})
		return id
	}
	return a.outputAcc.AddTrackingMetricGroup(group)
}

func (a *tagAcc) tags(value string) []string {
	a.tmu.Lock()
	defer a.tmu.Unlock()
	return append([]string(nil), a.seen[value]...)
}

// mqtt_consumer-redelivered-tag.patch: a message the broker sends again because it was never acknowledged (the
// plugin went away while its points were unwritten) carries redelivered=true; a new message carries no tag.
func TestCarbonreducerTagsRedeliveredMessages(t *testing.T) {
	b := newBroker(t)
	setTag := func(m *MQTTConsumer) { m.RedeliveredTag = "redelivered" }
	held := newTagAcc(true)
	first := startConsumerWith(t, b, held, setTag)
	publish(t, b, 0, 5)
	waitFor(t, func() bool { return len(held.tags("4")) == 1 }, "the first delivery of 5 messages")
	for i := 0; i < 5; i++ {
		if got := held.tags(fmt.Sprint(i)); len(got) != 1 || got[0] != "" {
			t.Fatalf("first delivery of message %d: redelivered tags %q, want one without the tag", i, got)
		}
	}
	first.Stop() // gone without acknowledging anything: the broker keeps the 5 in flight for the session

	acc := newTagAcc(false)
	startConsumerWith(t, b, acc, setTag)
	waitFor(t, func() bool { return len(acc.tags("4")) == 1 }, "the redelivery of 5 messages")
	publish(t, b, 5, 8)
	waitFor(t, func() bool { return len(acc.tags("7")) == 1 }, "3 new messages")
	for i := 0; i < 8; i++ {
		want := ""
		if i < 5 {
			want = "true"
		}
		if got := acc.tags(fmt.Sprint(i)); len(got) != 1 || got[0] != want {
			t.Fatalf("message %d after the reconnect: redelivered tags %q, want [%q]", i, got, want)
		}
	}
}

func waitFor(t *testing.T, ok func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
