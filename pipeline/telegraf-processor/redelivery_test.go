package telemetry

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/influxdata/telegraf/metric"
)

const (
	meterTopic  = "carbonreducer/h-redeliver/telemetry/meter/d1"
	statusTopic = "carbonreducer/h-redeliver/status/d1"
)

// pointKey is what InfluxDB identifies a point by: measurement, tags and time (a second write of the same key
// overwrites the first).
func pointKey(m telegraf.Metric) string {
	tags := make([]string, 0, len(m.TagList()))
	for _, t := range m.TagList() {
		tags = append(tags, t.Key+"="+t.Value)
	}
	sort.Strings(tags)
	return fmt.Sprintf("%s,%s %d", m.Name(), strings.Join(tags, ","), m.Time().UnixNano())
}

type redeliveryRun struct {
	t   *testing.T
	p   *Telemetry
	acc *lockedCollector
}

func newRedeliveryRun(t *testing.T, remember int) *redeliveryRun {
	return &redeliveryRun{t: t, p: &Telemetry{RememberMessages: remember}, acc: &lockedCollector{}}
}

// send hands the processor one message as the MQTT consumer (or HTTP listener) makes it, received at `at`, and returns
// the points it made.
func (r *redeliveryRun) send(ingest, topic, payload string, at time.Time, redelivered bool) []telegraf.Metric {
	r.t.Helper()
	tags := map[string]string{"topic": topic, "ingest": ingest}
	if redelivered {
		tags[redeliveredTag] = "true"
	}
	before := len(r.acc.metrics)
	raw := metric.New("telemetry_raw", tags, map[string]interface{}{"value": payload}, at)
	if err := r.p.Add(raw, r.acc); err != nil {
		r.t.Fatal(err)
	}
	return r.acc.metrics[before:]
}

// distinct counts the points InfluxDB would hold per measurement (overwrites collapsed) and their summed count field.
func (r *redeliveryRun) distinct(name string) (points int, count int64) {
	seen := map[string]int64{}
	for _, m := range r.acc.metrics {
		if m.Name() != name {
			continue
		}
		c, _ := m.GetField("count")
		n, _ := c.(int64)
		seen[pointKey(m)] = n
	}
	for _, n := range seen {
		count += n
	}
	return len(seen), count
}

func keys(ms []telegraf.Metric) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = pointKey(m)
	}
	return out
}

var t1 = time.Date(2026, 12, 3, 12, 0, 0, 123456789, time.UTC)

func TestRedeliveredRejectIsCountedOnce(t *testing.T) {
	r := newRedeliveryRun(t, 0)
	first := r.send("mqtt", meterTopic, "{bad", t1, false)
	// Another bad message in between moves the reject sequence on.
	r.send("mqtt", meterTopic, "{other", t1, false)
	again := r.send("mqtt", meterTopic, "{bad", t1.Add(40*time.Second), true)
	if len(first) != 1 || len(again) != 1 || pointKey(first[0]) != pointKey(again[0]) {
		t.Fatalf("a redelivery wrote %v, the first delivery %v: want the same point", keys(again), keys(first))
	}
	if d1, _ := first[0].GetField("detail"); d1 != mustField(t, again[0], "detail") {
		t.Fatalf("detail differs: %v", d1)
	}
	if points, count := r.distinct(rejectsMeasurement); points != 2 || count != 2 {
		t.Fatalf("2 bad messages, one redelivered: %d points, count %d; want 2, 2", points, count)
	}
}

func mustField(t *testing.T, m telegraf.Metric, key string) interface{} {
	t.Helper()
	v, ok := m.GetField(key)
	if !ok {
		t.Fatalf("%s has no field %s", pointKey(m), key)
	}
	return v
}

// The same bad payload sent again by the device (no DUP flag) is a new message: counted again.
func TestSameBadPayloadSentAgainCountsAgain(t *testing.T) {
	r := newRedeliveryRun(t, 0)
	r.send("mqtt", meterTopic, "{bad", t1, false)
	r.send("mqtt", meterTopic, "{bad", t1.Add(time.Second), false)
	if points, count := r.distinct(rejectsMeasurement); points != 2 || count != 2 {
		t.Fatalf("%d points, count %d; want 2, 2", points, count)
	}
}

// A batch whose readings are partly rejected: on redelivery the readings and every reject are the same points, and
// ts_in_future is judged against the first receive time (the redelivery comes 10 minutes later, when the reading
// would no longer be in the future).
func TestRedeliveredBatchWritesTheSamePoints(t *testing.T) {
	r := newRedeliveryRun(t, 0)
	ms := t1.UnixMilli()
	payload := fmt.Sprintf(`{"v":1,"readings":[{"ts":%d,"powerW":5},{"ts":%d,"powerW":"x"},{"ts":%d,"powerW":1e9},{"ts":%d,"powerW":1}]}`,
		ms, ms+1000, ms+2000, ms+6*60*1000)
	first := r.send("mqtt", meterTopic, payload, t1, false)
	again := r.send("mqtt", meterTopic, payload, t1.Add(10*time.Minute), true)
	a, b := keys(first), keys(again)
	sort.Strings(a)
	sort.Strings(b)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Fatalf("first delivery:\n%s\nredelivery:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
	if points, count := r.distinct(rejectsMeasurement); points != 3 || count != 3 {
		t.Fatalf("rejects: %d points, count %d; want 3 (bad_type, out_of_range, ts_in_future)", points, count)
	}
}

// The last will (status without ts) takes the receive time: its redelivery is the same status point.
func TestRedeliveredStatusWithoutTsIsTheSamePoint(t *testing.T) {
	r := newRedeliveryRun(t, 0)
	first := r.send("mqtt", statusTopic, `{"v":1,"state":"offline"}`, t1, false)
	again := r.send("mqtt", statusTopic, `{"v":1,"state":"offline"}`, t1.Add(time.Minute), true)
	if len(first) != 1 || len(again) != 1 || pointKey(first[0]) != pointKey(again[0]) {
		t.Fatalf("first %v, redelivery %v", keys(first), keys(again))
	}
}

// Only the MQTT consumer's tag counts: an HTTP request carrying a header named like it is a new message.
func TestRedeliveredTagIsIgnoredOverHTTP(t *testing.T) {
	r := newRedeliveryRun(t, 0)
	r.send("http", meterTopic, "{bad", t1, false)
	r.send("http", meterTopic, "{bad", t1.Add(time.Second), true)
	if points, _ := r.distinct(rejectsMeasurement); points != 2 {
		t.Fatalf("%d points; want 2", points)
	}
}

// A redelivery of a message no longer remembered (or first seen after a Telegraf restart) is counted as new: once
// more rather than never.
func TestForgottenMessageCountsAgain(t *testing.T) {
	r := newRedeliveryRun(t, 2)
	r.send("mqtt", meterTopic, "{a", t1, false)
	r.send("mqtt", meterTopic, "{b", t1, false)
	r.send("mqtt", meterTopic, "{c", t1, false) // forgets {a
	r.send("mqtt", meterTopic, "{a", t1.Add(time.Second), true)
	r.send("mqtt", meterTopic, "{c", t1.Add(time.Second), true)
	if points, _ := r.distinct(rejectsMeasurement); points != 4 {
		t.Fatalf("%d points; want 4 ({a twice, {b, {c once)", points)
	}
	if n := r.p.delivered.size(); n != 2 {
		t.Fatalf("remembers %d messages with room for 2", n)
	}
}

// Accepted readings are not remembered: their points carry the device time and overwrite themselves anyway.
func TestAcceptedMessagesAreNotRemembered(t *testing.T) {
	r := newRedeliveryRun(t, 0)
	for i := 0; i < 10; i++ {
		r.send("mqtt", meterTopic, fmt.Sprintf(`{"v":1,"ts":%d,"powerW":5}`, t1.UnixMilli()+int64(i)), t1, false)
	}
	if n := r.p.delivered.size(); n != 0 {
		t.Fatalf("remembers %d accepted messages", n)
	}
}

func TestDeliveryMemoryReplacesWithoutGrowing(t *testing.T) {
	d := newDeliveryMemory(3)
	for i := 0; i < 10; i++ {
		d.remember(uint64(i%2), int64(i), int64(i))
	}
	if d.size() != 2 {
		t.Fatalf("size %d", d.size())
	}
	if f, ok := d.recall(1); !ok || f.receivedNs != 9 {
		t.Fatalf("recall(1) = %+v, %v", f, ok)
	}
	d.remember(7, 0, 0)
	d.remember(8, 0, 0) // the 4th distinct key in 3 slots: the oldest slot's key (0) goes
	if _, ok := d.recall(0); ok || d.size() != 3 {
		t.Fatalf("after overflow: size %d, key 0 still there: %v", d.size(), ok)
	}
}

// Telegraf restarted (or killed) after it wrote a bad message's reject but before the broker had the PUBACK: the
// broker sends the message again, with DUP, to the new process. With remember_file that is the same point; without
// it (memory only, as before) it was a second one.
func TestRedeliveryAfterRestartIsCountedOnce(t *testing.T) {
	file := t.TempDir() + "/deliveries.bin"
	before := &Telemetry{RememberFile: file}
	if err := before.Init(); err != nil {
		t.Fatal(err)
	}
	acc := &lockedCollector{}
	send := func(p *Telemetry, payload string, at time.Time, redelivered bool) []telegraf.Metric {
		t.Helper()
		tags := map[string]string{"topic": meterTopic, "ingest": "mqtt"}
		if redelivered {
			tags[redeliveredTag] = "true"
		}
		n := len(acc.metrics)
		if err := p.Add(metric.New("telemetry_raw", tags, map[string]interface{}{"value": payload}, at), acc); err != nil {
			t.Fatal(err)
		}
		return acc.metrics[n:]
	}
	first := send(before, "{bad", t1, false)
	// Killed: no Stop, the file is not closed. A new process with the same file.
	after := &Telemetry{RememberFile: file}
	if err := after.Init(); err != nil {
		t.Fatal(err)
	}
	defer after.Stop()
	again := send(after, "{bad", t1.Add(time.Minute), true)
	if len(first) != 1 || len(again) != 1 || pointKey(first[0]) != pointKey(again[0]) {
		t.Fatalf("after a restart the redelivery wrote %v, the first delivery %v: want the same point", keys(again), keys(first))
	}
	// A new bad message after the restart is still a point of its own.
	send(after, "{worse", t1.Add(time.Minute), false)
	r := &redeliveryRun{t: t, acc: acc}
	if points, count := r.distinct(rejectsMeasurement); points != 2 || count != 2 {
		t.Fatalf("2 bad messages, one redelivered after a restart: %d points, count %d; want 2, 2", points, count)
	}
}

func TestDeliveryFileKeepsOrderAcrossReopen(t *testing.T) {
	file := t.TempDir() + "/deliveries.bin"
	d, err := openDeliveryMemory(file, 3)
	if err != nil {
		t.Fatal(err)
	}
	for k := uint64(1); k <= 4; k++ { // 4 into 3 slots: 1 goes
		if err := d.remember(k, int64(k)*10, int64(k)); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.close(); err != nil {
		t.Fatal(err)
	}
	e, err := openDeliveryMemory(file, 3)
	if err != nil {
		t.Fatal(err)
	}
	if e.size() != 3 {
		t.Fatalf("reopened with %d of 3", e.size())
	}
	if f, ok := e.recall(3); !ok || f.receivedNs != 30 || f.seq != 3 {
		t.Fatalf("recall(3) after reopen = %+v, %v", f, ok)
	}
	// The oldest after reopen is 2: the next new message evicts it, not 3 or 4.
	_ = e.remember(5, 50, 5)
	if _, ok := e.recall(2); ok {
		t.Fatal("2 (the oldest) still remembered after a 4th message in 3 slots")
	}
	for _, k := range []uint64{3, 4, 5} {
		if _, ok := e.recall(k); !ok {
			t.Fatalf("%d forgotten", k)
		}
	}
	_ = e.close()
	// Another capacity: the file is started anew (slot positions would not mean the same).
	g, err := openDeliveryMemory(file, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer g.close()
	if g.size() != 0 {
		t.Fatalf("capacity 4 over a file of 3 slots: %d remembered", g.size())
	}
}

// A slot torn by a power loss (its checksum wrong) is ignored, the others kept.
func TestDeliveryFileIgnoresTornSlot(t *testing.T) {
	file := t.TempDir() + "/deliveries.bin"
	d, err := openDeliveryMemory(file, 4)
	if err != nil {
		t.Fatal(err)
	}
	_ = d.remember(11, 1, 1)
	_ = d.remember(12, 2, 2)
	_ = d.close()
	f, err := os.OpenFile(file, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Corrupt the receive time of slot 0 (key 11).
	if _, err := f.WriteAt([]byte{0xff}, memoryHeaderSize+9); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	e, err := openDeliveryMemory(file, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer e.close()
	if _, ok := e.recall(11); ok {
		t.Fatal("the torn slot was loaded")
	}
	if got, ok := e.recall(12); !ok || got.receivedNs != 2 {
		t.Fatalf("recall(12) = %+v, %v", got, ok)
	}
}

func TestRememberFileInAMissingDirectoryIsAnError(t *testing.T) {
	p := &Telemetry{RememberFile: t.TempDir() + "/no/such/dir/deliveries.bin"}
	err := p.Init()
	if err == nil || !strings.Contains(err.Error(), "remember_file") {
		t.Fatalf("Init: %v; want an error naming remember_file", err)
	}
}

// The ordinal wraps after 2^32 writes: renumbered, the order stays.
func TestDeliveryFileOrdinalWraps(t *testing.T) {
	file := t.TempDir() + "/deliveries.bin"
	d, err := openDeliveryMemory(file, 2)
	if err != nil {
		t.Fatal(err)
	}
	_ = d.remember(1, 1, 1)
	_ = d.remember(2, 2, 2)
	d.ordinal = ^uint32(0) - 1
	_ = d.remember(3, 3, 3) // ordinal max, replaces 1
	_ = d.remember(4, 4, 4) // renumbered first, replaces 2
	_ = d.close()
	e, err := openDeliveryMemory(file, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer e.close()
	_ = e.remember(5, 5, 5) // must evict 3, the oldest
	if _, ok := e.recall(3); ok {
		t.Fatal("3 kept, 4 evicted: order lost at the wrap")
	}
	if _, ok := e.recall(4); !ok {
		t.Fatal("4 forgotten")
	}
}
