package telemetry

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/influxdata/telegraf/metric"
)

const nowMs = int64(1764201600000)

// The golden fixtures shared with the TS validator (libs/telemetry/fixtures/golden.json): same points, same reasons.
func TestGoldenFixtures(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "libs", "telemetry", "fixtures", "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Cases []struct {
			Name    string
			Topic   string
			Payload string
			Expect  struct {
				Points  int
				Rejects []string
				Details []string
			}
		}
	}
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	if len(golden.Cases) < 20 {
		t.Fatalf("only %d golden cases", len(golden.Cases))
	}
	placeholder := regexp.MustCompile(`\{\{now(?:([+-])(\d+))?\}\}`)
	render := func(s string) string {
		s = strings.ReplaceAll(s, "{{home}}", "home-1")
		return placeholder.ReplaceAllStringFunc(s, func(m string) string {
			g := placeholder.FindStringSubmatch(m)
			offset, _ := strconv.ParseInt(g[2], 10, 64)
			if g[1] == "-" {
				offset = -offset
			}
			return strconv.FormatInt(nowMs+offset, 10)
		})
	}
	var v Validator
	for _, c := range golden.Cases {
		res := v.Validate(render(c.Topic), render(c.Payload), nowMs)
		reasons := []string{}
		for _, r := range res.Rejects {
			reasons = append(reasons, r.Reason)
		}
		points := len(res.Readings)
		if res.Type == ResultStatus {
			points = 1
		}
		want := c.Expect.Rejects
		if want == nil {
			want = []string{}
		}
		if points != c.Expect.Points || !reflect.DeepEqual(reasons, want) {
			t.Errorf("%s: points %d rejects %v, want points %d rejects %v", c.Name, points, reasons, c.Expect.Points, want)
		}
		if c.Expect.Details != nil {
			details := []string{}
			for _, r := range res.Rejects {
				details = append(details, r.Detail)
			}
			if !reflect.DeepEqual(details, c.Expect.Details) {
				t.Errorf("%s: details %q, want %q", c.Name, details, c.Expect.Details)
			}
		}
	}
}

func TestJSONLikeJavaScript(t *testing.T) {
	valid := []string{`{}`, `[]`, `0`, `-0.5e+3`, `"a\u00e9\ud83d\ude00"`, ` {"a" : [1, true, false, null]} `, `1e400`}
	invalid := []string{``, `{`, `{"a":1,}`, `[1,]`, `01`, `1.`, `.5`, `+1`, `-`, `'a'`, `"a`, "\"\x01\"", `"\x"`,
		`"\u12"`, `{a:1}`, `tru`, `nul`, `1 2`, "\ufeff{}", `{"a" 1}`, `NaN`, `Infinity`}
	var r jsonReader
	for _, s := range valid {
		if _, ok := r.parse(s); !ok {
			t.Errorf("%q should parse", s)
		}
	}
	for _, s := range invalid {
		if _, ok := r.parse(s); ok {
			t.Errorf("%q should not parse", s)
		}
	}
	v, _ := r.parse(`{"ts":1,"ts":"x","k":"a\nb"}`)
	if ts, _ := v.get("ts"); ts.kind != kindString {
		t.Errorf("duplicate key: the last value wins, got %+v", ts)
	}
	if k, _ := v.get("k"); k.str != "a\nb" {
		t.Errorf("escape: %q", k.str)
	}
}

func TestDuplicateKeysLastWins(t *testing.T) {
	var v Validator
	topic := "carbonreducer/h1/telemetry/meter/main"
	ts := strconv.FormatInt(nowMs-1000, 10)
	res := v.Validate(topic, `{"v":1,"ts":`+ts+`,"powerW":"x","powerW":5}`, nowMs)
	if len(res.Readings) != 1 || res.Readings[0].Fields[0].Value != 5 {
		t.Errorf("accepted with the last powerW: %+v", res)
	}
	res = v.Validate(topic, `{"v":1,"ts":`+ts+`,"powerW":5,"powerW":"x"}`, nowMs)
	if len(res.Rejects) != 1 || res.Rejects[0].Reason != "bad_type" {
		t.Errorf("rejected by the last powerW: %+v", res)
	}
}

func TestJSNumber(t *testing.T) {
	cases := map[float64]string{1e12: "1000000000000", 1e21: "1e+21", 412.5: "412.5", -100000: "-100000", 1e-7: "1e-7",
		0.000001: "0.000001", 1.5e300: "1.5e+300", 123456789012345680000: "123456789012345680000"}
	for f, want := range cases {
		if got := jsNumber(f); got != want {
			t.Errorf("jsNumber(%v) = %q, want %q", f, got, want)
		}
	}
}

type collector struct {
	telegraf.Accumulator
	metrics []telegraf.Metric
}

func (c *collector) AddMetric(m telegraf.Metric) { c.metrics = append(c.metrics, m) }

// A batch with good and bad readings: one point per good reading at device time, one reject per bad one, all
// sharing the MQTT message's delivery, which is acknowledged once all of them are.
func TestProcessorTracksEveryOutput(t *testing.T) {
	received := time.UnixMilli(nowMs)
	payload := `{"v":1,"readings":[{"ts":` + strconv.FormatInt(nowMs-2000, 10) + `,"powerW":1},{"ts":1,"powerW":2},` +
		`{"ts":` + strconv.FormatInt(nowMs-1000, 10) + `,"powerW":3,"energyWh":4}]}`
	raw := metric.New("telemetry_raw", map[string]string{"topic": "carbonreducer/h1/telemetry/plug/k1", "ingest": "mqtt"},
		map[string]interface{}{"value": payload}, received)
	var delivered []telegraf.DeliveryInfo
	tracked, _ := metric.WithTracking(raw, func(d telegraf.DeliveryInfo) { delivered = append(delivered, d) })
	p := &Telemetry{}
	acc := &collector{}
	if err := p.Add(tracked, acc); err != nil {
		t.Fatal(err)
	}
	if len(acc.metrics) != 3 {
		t.Fatalf("want 3 outputs, got %d", len(acc.metrics))
	}
	byName := map[string][]telegraf.Metric{}
	for _, m := range acc.metrics {
		byName[m.Name()] = append(byName[m.Name()], m)
	}
	if len(byName["plug"]) != 2 || len(byName["telemetry_rejects"]) != 1 {
		t.Fatalf("outputs: %v", acc.metrics)
	}
	for _, m := range byName["plug"] {
		if !reflect.DeepEqual(m.Tags(), map[string]string{"home_id": "h1", "device_id": "k1"}) {
			t.Errorf("tags %v", m.Tags())
		}
		if _, ok := m.GetField("value"); ok {
			t.Errorf("raw field kept: %v", m)
		}
	}
	rej := byName["telemetry_rejects"][0]
	if r, _ := rej.GetTag("reason"); r != "ts_too_old" || len(rej.FieldList()) != 3 {
		t.Errorf("reject %v", rej)
	}
	for i, m := range acc.metrics {
		if len(delivered) != 0 {
			t.Fatalf("delivered after %d of 3 accepted", i)
		}
		m.Accept()
	}
	if len(delivered) != 1 || !delivered[0].Delivered() {
		t.Fatalf("delivery %v", delivered)
	}
}

// go test -bench . -benchmem: the processor's cost per reading for the benchmark's message shape (100 plug readings).
func BenchmarkProcessor100Readings(b *testing.B) {
	payload := `{"v":1,"readings":[`
	for i := 0; i < 100; i++ {
		if i > 0 {
			payload += ","
		}
		payload += `{"ts":` + strconv.FormatInt(nowMs-int64(100-i)*1000, 10) + `,"powerW":` + strconv.Itoa(100+i) + `.5}`
	}
	payload += `]}`
	p := &Telemetry{}
	acc := &collector{metrics: make([]telegraf.Metric, 0, 100)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		raw := metric.New("telemetry_raw", map[string]string{"topic": "carbonreducer/h1/telemetry/plug/k1", "ingest": "mqtt"},
			map[string]interface{}{"value": payload}, time.UnixMilli(nowMs))
		tracked, _ := metric.WithTracking(raw, func(telegraf.DeliveryInfo) {})
		acc.metrics = acc.metrics[:0]
		if err := p.Add(tracked, acc); err != nil || len(acc.metrics) != 100 {
			b.Fatal(err, len(acc.metrics))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/reading")
}

// No input makes the validator fail: deep nesting, the size limit, odd topics.
func TestHostileInputs(t *testing.T) {
	var v Validator
	topic := "carbonreducer/h1/telemetry/meter/main"
	deep := strings.Repeat("[", 30000) + strings.Repeat("]", 30000)
	if r := v.Validate(topic, deep, nowMs); r.Rejects[0].Reason != "bad_json" || r.Rejects[0].Detail != "not a JSON object" {
		t.Errorf("deep array: %+v", r.Rejects)
	}
	big := `{"v":1,"ts":1,"x":"` + strings.Repeat("a", maxPayloadBytes) + `"}`
	if r := v.Validate(topic, big, nowMs); r.Rejects[0].Reason != "payload_too_large" {
		t.Errorf("big: %+v", r.Rejects)
	}
	for _, bad := range []string{"", "/", "carbonreducer", "carbonreducer//telemetry/meter/x", "carbonreducer/h/telemetry/meter/x/y",
		"carbonreducer/h/status/-x", "carbonreducer/H/status/x", "carbonreducer/h/telemetry/fridge/x"} {
		if r := v.Validate(bad, `{"v":1}`, nowMs); r.Rejects[0].Reason != "bad_topic" {
			t.Errorf("%q: %+v", bad, r.Rejects)
		}
	}
	if r := v.Validate("carbonreducer/h/status/x", `{"v":1,"state":"offline"}`, nowMs); r.Type != ResultStatus || r.Online ||
		r.StatusTimeMs != nowMs {
		t.Errorf("status: %+v", r)
	}
}

// A warm validator checks a well-formed batch without allocating: the parsed values, readings and results reuse
// buffers kept between messages (at 100 readings a message, an allocation per message or reading would show in GC).
func TestValidateAllocatesNothingWhenWarm(t *testing.T) {
	var v Validator
	topic := "carbonreducer/h1/telemetry/meter/main"
	ts := strconv.FormatInt(nowMs-1000, 10)
	var batch strings.Builder
	batch.WriteString(`{"v":1,"readings":[`)
	for i := 0; i < 100; i++ {
		if i > 0 {
			batch.WriteString(",")
		}
		batch.WriteString(`{"ts":` + ts + `,"powerW":` + strconv.Itoa(i) + `,"energyWh":12.5}`)
	}
	batch.WriteString(`]}`)
	payload := batch.String()
	if res := v.Validate(topic, payload, nowMs); len(res.Readings) != 100 || len(res.Rejects) != 0 {
		t.Fatalf("the batch is valid: %d readings, rejects %+v", len(res.Readings), res.Rejects)
	}
	if allocs := testing.AllocsPerRun(50, func() { v.Validate(topic, payload, nowMs) }); allocs != 0 {
		t.Errorf("%.1f allocations per message, want 0", allocs)
	}
}
