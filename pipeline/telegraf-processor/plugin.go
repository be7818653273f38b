package telemetry

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/influxdata/telegraf/config"
	"github.com/influxdata/telegraf/metric"
	"github.com/influxdata/telegraf/plugins/processors"
)

// Telegraf processor `carbonreducer_telemetry`: raw contract messages in (measurement telemetry_raw, string field
// `value` = the payload, tags `topic` and `ingest`, time = receive time), readings, device status and per-reason
// rejects out (libs/telemetry/CONTRACT.md, "In InfluxDB").
//
// At-least-once: the raw metric itself becomes the first output and every further output is a copy of it, which for
// an MQTT message is a tracking metric sharing its delivery; the message is acknowledged only after all of them
// reached InfluxDB. Accepted readings carry the device time, so a redelivered message overwrites its own points.

const sampleConfig = `
  ## Validates raw telemetry messages against the CarbonReducer contract; also judges whether ingestion flows
  ## (internal_write of the InfluxDB output and the broker's $SYS heartbeat) and says so in an ingest_flow point.
  namepass = ["telemetry_raw", "internal_write"]
  ## Also counts rejects per topic (ingest_rejects_by_topic, cumulative, emitted for changed topics) and messages of
  ## the contract's other streams (commands, acks, events, notifications), which it acknowledges without storing.
  ## How often an ingest_flow point is emitted (0s: never), and after how long without an MQTT message (not even
  ## the broker's 10-s heartbeat) or without a write while points wait, ingest_flow.healthy turns false.
  # flow_interval = "1s"
  # stall_after = "30s"
  ## How many messages with rejects (or a status without ts) to remember, so that one the broker sends again
  ## (tagged redelivered=true by the MQTT consumer's redelivered_tag) writes the same points instead of new ones.
  # remember_messages = 100000
  ## A file that keeps that memory across restarts of Telegraf (a redelivery after Telegraf was killed or restarted
  ## is then counted once too); relative to the working directory. Empty: memory only.
  # remember_file = ""
`

type Telemetry struct {
	FlowInterval config.Duration `toml:"flow_interval"`
	StallAfter   config.Duration `toml:"stall_after"`
	// RememberMessages bounds the memory of first deliveries (redelivery.go).
	RememberMessages int `toml:"remember_messages"`
	// RememberFile keeps that memory across restarts (redelivery.go).
	RememberFile string          `toml:"remember_file"`
	Log          telegraf.Logger `toml:"-"`

	flow     *flowTracker
	stopFlow chan struct{}
	flowDone sync.WaitGroup

	validator Validator
	delivered *deliveryMemory
	// rememberErrors counts failed writes of remember_file (the first is logged, then every 10,000th).
	rememberErrors int64
	// rejectSeq numbers rejects (the last one given); its last three digits are the sub-microsecond part of a
	// reject's time (setReject).
	rejectSeq int64
}

func (*Telemetry) SampleConfig() string { return sampleConfig }

func (p *Telemetry) Init() error {
	if p.RememberFile == "" {
		return nil
	}
	d, err := openDeliveryMemory(p.RememberFile, p.RememberMessages)
	if err != nil {
		return err
	}
	p.delivered = d
	if p.Log != nil && d.size() > 0 {
		p.Log.Infof("remembers %d earlier deliveries from %s", d.size(), p.RememberFile)
	}
	return nil
}

func (p *Telemetry) Start(acc telegraf.Accumulator) error {
	stallAfter := time.Duration(p.StallAfter)
	if stallAfter <= 0 {
		stallAfter = 30 * time.Second
	}
	p.flow = newFlowTracker(time.Now(), stallAfter)
	interval := time.Duration(p.FlowInterval)
	if interval == 0 {
		interval = time.Second
	}
	if interval < 0 {
		return nil
	}
	p.stopFlow = make(chan struct{})
	p.flowDone.Add(1)
	go func() {
		defer p.flowDone.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-p.stopFlow:
				return
			case now := <-t.C:
				acc.AddMetric(metric.New(flowMeasurement, nil, p.flow.state(now).fields(), now))
				for _, t := range p.flow.topicsChanged() {
					acc.AddMetric(metric.New(rejectsByTopicMeasurement, map[string]string{"topic": t.topic},
						map[string]interface{}{"rejected_messages": t.rejectedMessages}, now))
				}
				for _, d := range p.flow.deniedChanged() {
					acc.AddMetric(metric.New(deniedByTopicMeasurement,
						map[string]string{"topic": d.topic, "action": d.action, "reason": d.reason},
						map[string]interface{}{"denied_messages": d.messages, "broker_since_s": d.brokerSince}, now))
				}
			}
		}
	}()
	return nil
}

func (p *Telemetry) Stop() {
	if p.stopFlow != nil {
		close(p.stopFlow)
		p.flowDone.Wait()
		p.stopFlow = nil
	}
	if p.delivered != nil {
		if err := p.delivered.close(); err != nil && p.Log != nil {
			p.Log.Errorf("closing remember_file: %v", err)
		}
	}
}

// observeOutput takes the InfluxDB output's counters from Telegraf's own internal_write metric, which goes on as is.
func (p *Telemetry) observeOutput(m telegraf.Metric) {
	if out, _ := m.GetTag("output"); out != "influxdb_v2" || p.flow == nil {
		return
	}
	written, _ := m.GetField("metrics_written")
	buffered, _ := m.GetField("buffer_size")
	w, okW := written.(int64)
	b, okB := buffered.(int64)
	if okW && okB {
		p.flow.output(time.Now(), w, b)
	}
}

func (p *Telemetry) Add(raw telegraf.Metric, acc telegraf.Accumulator) error {
	if raw.Name() == "internal_write" {
		p.observeOutput(raw)
		acc.AddMetric(raw)
		return nil
	}
	text := ""
	if v, ok := raw.GetField("value"); ok {
		if s, ok := v.(string); ok {
			text = s
		} else {
			text = fmt.Sprint(v)
		}
	}
	topic, _ := raw.GetTag("topic")
	ingest, ok := raw.GetTag("ingest")
	if !ok {
		ingest = "unknown"
	}
	if ingest == "mqtt" && p.flow != nil {
		p.flow.mqttMessage(time.Now())
	}
	if strings.HasPrefix(topic, "$SYS/") && ingest == "mqtt" {
		// The broker's heartbeat and counters, not device telemetry: noted for ingest_flow, acknowledged, not stored.
		if p.flow != nil {
			p.flow.sys(topic, text)
		}
		raw.Accept()
		return nil
	}
	if ingest == "mqtt" && otherContractTopic(topic) {
		// Commands, acks, events, notifications and services' own topics come through the carbonreducer/#
		// subscription (topics.go): not Telegraf's to store, not rejects.
		if p.flow != nil {
			p.flow.otherContractMessage()
		}
		raw.Accept()
		return nil
	}
	receivedNs := raw.Time().UnixNano()
	// A message the broker sent again is judged as of its first delivery, so that it writes the same points
	// (redelivery.go). The first reject's sequence number, too, is the first delivery's.
	var key uint64
	var first firstDelivery
	remembered := false
	if ingest == "mqtt" {
		if p.delivered == nil {
			p.delivered = newDeliveryMemory(p.RememberMessages)
		}
		key = messageKey(ingest, topic, text)
		if v, _ := raw.GetTag(redeliveredTag); v == "true" {
			first, remembered = p.delivered.recall(key)
		}
	}
	if remembered {
		receivedNs = first.receivedNs
	} else {
		first = firstDelivery{receivedNs: receivedNs, seq: p.rejectSeq + 1}
	}
	receivedMs := floorDiv(receivedNs, int64(time.Millisecond))

	res := p.validator.Validate(topic, text, receivedMs)
	if !remembered {
		p.rejectSeq += int64(len(res.Rejects))
		if ingest == "mqtt" && (len(res.Rejects) > 0 || (res.Type == ResultStatus && res.StatusTimeMs == receivedMs)) {
			if err := p.delivered.remember(key, receivedNs, first.seq); err != nil {
				// Still remembered in memory; only a redelivery after a restart would count again.
				if p.rememberErrors%10000 == 0 && p.Log != nil {
					p.Log.Errorf("writing remember_file (%d failures): %v", p.rememberErrors+1, err)
				}
				p.rememberErrors++
			}
		}
	}
	seq := first.seq
	if len(res.Rejects) > 0 && !remembered && p.flow != nil {
		p.flow.rejected(topic, len(res.Rejects), res.Rejects[0].Reason == "bad_topic")
	}

	// Strip the raw metric down to what every output shares; copies are made from it before it gets its own fields.
	clearFields(raw)
	clearTags(raw)
	pending := len(res.Rejects)

	switch res.Type {
	case ResultStatus:
		raw.SetName(statusMeasurement)
		raw.AddTag("home_id", res.HomeID)
		raw.AddTag("device_id", res.DeviceID)
		raw.AddField("online", res.Online)
		raw.SetTime(time.Unix(0, res.StatusTimeMs*int64(time.Millisecond)))
		acc.AddMetric(raw)
		return nil
	case ResultReadings:
		if len(res.Readings) > 0 {
			raw.SetName(res.Kind)
			raw.AddTag("home_id", res.HomeID)
			raw.AddTag("device_id", res.DeviceID)
			for i := 1; i < len(res.Readings); i++ {
				m := raw.Copy()
				setReading(m, &res.Readings[i])
				acc.AddMetric(m)
			}
			// Rejects of the same message are copies too; they replace name and tags.
			for i := range res.Rejects {
				m := raw.Copy()
				setReject(m, &res.Rejects[i], ingest, topic, receivedNs, seq+int64(i))
				acc.AddMetric(m)
			}
			setReading(raw, &res.Readings[0])
			acc.AddMetric(raw)
			return nil
		}
	}
	// Only rejects: the raw metric carries the last one.
	for i := 0; i < pending-1; i++ {
		m := raw.Copy()
		setReject(m, &res.Rejects[i], ingest, topic, receivedNs, seq+int64(i))
		acc.AddMetric(m)
	}
	if pending == 0 {
		// Not reachable: a message yields at least a point or a reject. Acknowledge rather than hold the delivery.
		p.Log.Errorf("telemetry message on %q produced nothing", topic)
		raw.Accept()
		return nil
	}
	setReject(raw, &res.Rejects[pending-1], ingest, topic, receivedNs, seq+int64(pending-1))
	acc.AddMetric(raw)
	return nil
}

func setReading(m telegraf.Metric, r *Reading) {
	for i := 0; i < r.NFields; i++ {
		m.AddField(r.Fields[i].Name, r.Fields[i].Value)
	}
	m.SetTime(time.Unix(0, r.TimeMs*int64(time.Millisecond)))
}

// setReject makes m the reject point of r. Its time is the receive time to the microsecond, plus the reject's sequence
// number modulo 1000 in nanoseconds, so that two rejects of the same microsecond (same tags) do not overwrite each
// other, while a redelivery (same receive time and sequence number, redelivery.go) overwrites its own.
func setReject(m telegraf.Metric, r *Rejection, ingest, topic string, receivedNs, seq int64) {
	m.SetName(rejectsMeasurement)
	clearTags(m)
	clearFields(m)
	m.AddTag("reason", r.Reason)
	m.AddTag("ingest", ingest)
	m.AddField("count", int64(1))
	m.AddField("detail", r.Detail)
	m.AddField("topic", truncateRunes(topic, 200))
	m.SetTime(time.Unix(0, receivedNs-receivedNs%1000+seq%1000))
}

func clearTags(m telegraf.Metric) {
	for len(m.TagList()) > 0 {
		m.RemoveTag(m.TagList()[0].Key)
	}
}

func clearFields(m telegraf.Metric) {
	for len(m.FieldList()) > 0 {
		m.RemoveField(m.FieldList()[0].Key)
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func init() {
	processors.AddStreaming("carbonreducer_telemetry", func() telegraf.StreamingProcessor { return &Telemetry{} })
}
