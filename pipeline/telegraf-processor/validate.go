package telemetry

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The telemetry contract v1 (libs/telemetry/CONTRACT.md), check by check as libs/telemetry/src/validate.ts does it
// (same order, same reasons), so that Telegraf and the TS validator accept and reject the same messages; the golden
// fixtures and the fuzz test in pipeline/src/ingest compare the two on the real stack. Pure: no I/O, no clock (the
// receive time is a parameter), and no input makes it panic.

type fieldSpec struct {
	key         string
	influxField string
	unit        string
	min         float64
	max         float64
}

type kindSpec struct {
	required []string
	optional []string
}

// Rejection is one rejected message or reading: reason is the `reason` tag of telemetry_rejects.
type Rejection struct {
	Reason string
	Detail string
}

// FieldValue is one InfluxDB field of an accepted reading (always a float, as in the contract).
type FieldValue struct {
	Name  string
	Value float64
}

// maxFieldsPerKind bounds Reading.Fields; init checks the contract tables against it.
const maxFieldsPerKind = 4

// Reading is one accepted reading: device time in ms since the Unix epoch and its fields.
type Reading struct {
	TimeMs  int64
	NFields int
	Fields  [maxFieldsPerKind]FieldValue
}

// ResultType says which points a message produced besides rejects.
type ResultType int

const (
	// ResultRejected: the whole message was rejected (Rejects has one entry).
	ResultRejected ResultType = iota
	// ResultStatus: a device_status point (HomeID, DeviceID, Online, StatusTimeMs).
	ResultStatus
	// ResultReadings: readings of one device; some may be in Readings, the rejected ones in Rejects.
	ResultReadings
)

// Result of one message. Its slices are reused by the next Validate call of the same Validator.
type Result struct {
	Type         ResultType
	Kind         string
	HomeID       string
	DeviceID     string
	Online       bool
	StatusTimeMs int64
	Readings     []Reading
	Rejects      []Rejection
}

type compiledKind struct {
	name     string
	required []string
	// allowed: the kind's fields plus the envelope's ts and v.
	allowed map[string]bool
	// checked: indexes into fields, in check order, of the kind's fields.
	checked []int
	listing string
}

var compiledKinds = compileKinds()

func compileKinds() map[string]*compiledKind {
	out := make(map[string]*compiledKind, len(kinds))
	for name, spec := range kinds {
		ck := &compiledKind{name: name, required: spec.required, allowed: map[string]bool{"ts": true, "v": true}}
		all := append(append([]string{}, spec.required...), spec.optional...)
		for _, k := range all {
			ck.allowed[k] = true
		}
		for i, f := range fields {
			if ck.allowed[f.key] {
				ck.checked = append(ck.checked, i)
			}
		}
		if len(ck.checked) > maxFieldsPerKind {
			panic("telemetry contract: kind " + name + " has more fields than maxFieldsPerKind")
		}
		ck.listing = strings.Join(all, ", ")
		out[name] = ck
	}
	return out
}

// contractFields: every field key of the contract, of any kind.
var contractFields = func() map[string]bool {
	m := make(map[string]bool, len(fields))
	for _, f := range fields {
		m[f.key] = true
	}
	return m
}()

// Validator validates messages; not safe for concurrent use (Telegraf calls a processor from one goroutine).
type Validator struct {
	result Result
	json   jsonReader
	// body: the parsed message, kept here so that pointing readings at it allocates nothing per message.
	body value
	// readings: the reading objects of the message being validated (reused).
	readings []*value
}

func (v *Validator) reject(reason, detail string) *Result {
	v.result.Type = ResultRejected
	v.result.Rejects = append(v.result.Rejects, Rejection{Reason: reason, Detail: detail})
	return &v.result
}

// Validate checks one message (payload already trimmed, as Telegraf's value parser does) received at receivedMs.
func (v *Validator) Validate(topic, text string, receivedMs int64) *Result {
	v.result = Result{Readings: v.result.Readings[:0], Rejects: v.result.Rejects[:0]}
	if len(text) > maxPayloadBytes {
		return v.reject("payload_too_large", strconv.Itoa(len(text))+" bytes > "+strconv.Itoa(maxPayloadBytes))
	}
	isStatus, homeID, kind, deviceID, ok := parseTopic(topic)
	if !ok {
		return v.reject("bad_topic", truncateRunes(topic, 200))
	}
	v.body, ok = v.json.parse(text)
	body := &v.body
	if !ok {
		return v.reject("bad_json", "not valid JSON")
	}
	if body.kind != kindObject {
		return v.reject("bad_json", "not a JSON object")
	}
	if ver, ok := body.get("v"); !ok || ver.kind != kindNumber || ver.num != contractVersion {
		return v.reject("bad_version", "v="+stringifyOrNull(ver))
	}
	v.result.HomeID, v.result.DeviceID = homeID, deviceID

	if isStatus {
		state, _ := body.get("state")
		if state == nil || state.kind != kindString || !slices.Contains(deviceStates, state.str) {
			return v.reject("bad_state", "state="+stringifyOrNull(state))
		}
		timeMs := receivedMs
		if ts, ok := body.get("ts"); ok {
			checked, rej := checkTimestamp(ts, receivedMs)
			if rej != nil {
				return v.reject(rej.Reason, rej.Detail)
			}
			timeMs = checked
		}
		v.result.Type = ResultStatus
		v.result.Online = state.str == "online"
		v.result.StatusTimeMs = timeMs
		return &v.result
	}

	ck := compiledKinds[kind]
	v.readings = append(v.readings[:0], body)
	if list, ok := body.get("readings"); ok {
		if list.kind != kindArray {
			return v.reject("bad_batch", "readings is not a list")
		}
		if len(list.items) == 0 {
			return v.reject("bad_batch", "readings is empty")
		}
		if len(list.items) > maxBatchReadings {
			return v.reject("bad_batch", strconv.Itoa(len(list.items))+" readings > "+strconv.Itoa(maxBatchReadings))
		}
		for _, m := range body.items {
			if m.key != "v" && m.key != "readings" {
				return v.reject("bad_batch", "unexpected envelope key "+m.key)
			}
		}
		v.readings = v.readings[:0]
		for i := range list.items {
			if list.items[i].val.kind != kindObject {
				return v.reject("bad_batch", "a reading is not an object")
			}
			v.readings = append(v.readings, &list.items[i].val)
		}
	}

	v.result.Type = ResultReadings
	v.result.Kind = kind
	for _, reading := range v.readings {
		var r Reading
		if rej := validateReading(reading, ck, receivedMs, &r); rej != nil {
			v.result.Rejects = append(v.result.Rejects, *rej)
			continue
		}
		v.result.Readings = append(v.result.Readings, r)
	}
	return &v.result
}

func validateReading(reading *value, ck *compiledKind, receivedMs int64, out *Reading) *Rejection {
	tsValue, ok := reading.get("ts")
	if !ok {
		return &Rejection{"missing_field", "ts"}
	}
	ts, rej := checkTimestamp(tsValue, receivedMs)
	if rej != nil {
		return rej
	}
	for i := range reading.items {
		if !ck.allowed[reading.items[i].key] {
			return unexpectedKey(reading, ck)
		}
	}
	for _, key := range ck.required {
		if !reading.has(key) {
			return &Rejection{"missing_field", key}
		}
	}
	out.TimeMs = ts
	for _, fi := range ck.checked {
		f := &fields[fi]
		val, ok := reading.get(f.key)
		if !ok {
			continue
		}
		if val.kind != kindNumber {
			return &Rejection{"bad_type", f.key + " must be a number"}
		}
		if !(val.num >= f.min && val.num <= f.max) {
			return &Rejection{"out_of_range", f.key + "=" + jsNumber(val.num) + " outside [" + jsNumber(f.min) + ", " +
				jsNumber(f.max) + "] " + f.unit}
		}
		out.Fields[out.NFields] = FieldValue{Name: f.influxField, Value: val.num}
		out.NFields++
	}
	return nil
}

// unexpectedKey names the reason for a reading with a key outside its kind: the first such key in sorted order
// decides, as in the TS validator.
func unexpectedKey(reading *value, ck *compiledKind) *Rejection {
	keys := make([]string, 0, len(reading.items))
	for i := range reading.items {
		keys = append(keys, reading.items[i].key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if ck.allowed[key] {
			continue
		}
		if contractFields[key] {
			return &Rejection{"unknown_field", key + " is not a field of " + ck.name}
		}
		for _, prefix := range quantityPrefixes {
			if strings.HasPrefix(key, prefix) {
				return &Rejection{"wrong_unit", key + " (contract for " + ck.name + ": " + ck.listing + ")"}
			}
		}
		return &Rejection{"unknown_field", truncateRunes(key, 100)}
	}
	return nil
}

// checkTimestamp: integer ms since the Unix epoch, not before 2000, at most maxFutureSkewMs after the receive time.
func checkTimestamp(ts *value, receivedMs int64) (int64, *Rejection) {
	if ts.kind != kindNumber || math.IsInf(ts.num, 0) || ts.num != math.Trunc(ts.num) {
		return 0, &Rejection{"bad_type", "ts must be integer ms since the Unix epoch"}
	}
	if ts.num < minTimestampMs {
		return 0, &Rejection{"ts_too_old", "ts=" + jsNumber(ts.num)}
	}
	if ts.num > float64(receivedMs+maxFutureSkewMs) {
		return 0, &Rejection{"ts_in_future", "ts=" + jsNumber(ts.num) + " is " + jsNumber(ts.num-float64(receivedMs)) +
			" ms ahead"}
	}
	return int64(ts.num), nil
}

// parseTopic: carbonreducer/{home}/telemetry/{kind}/{device} or carbonreducer/{home}/status/{device}.
func parseTopic(topic string) (isStatus bool, homeID, kind, deviceID string, ok bool) {
	var parts [6]string
	n := 0
	rest := topic
	for n < len(parts) {
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			parts[n] = rest
			n++
			break
		}
		parts[n] = rest[:i]
		n++
		rest = rest[i+1:]
		if n == len(parts) {
			// Six or more levels: outside the contract whatever they are.
			return false, "", "", "", false
		}
	}
	if parts[0] != topicRoot || n < 2 || !isValidID(parts[1]) {
		return false, "", "", "", false
	}
	if n == 5 && parts[2] == "telemetry" {
		if _, known := kinds[parts[3]]; !known || !isValidID(parts[4]) {
			return false, "", "", "", false
		}
		return false, parts[1], parts[3], parts[4], true
	}
	if n == 4 && parts[2] == "status" && isValidID(parts[3]) {
		return true, parts[1], "", parts[3], true
	}
	return false, "", "", "", false
}

// isValidID: 1–64 characters of [a-z0-9_-], starting with a letter or digit.
func isValidID(s string) bool {
	if len(s) < 1 || len(s) > maxIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '_' || c == '-')) {
			continue
		}
		return false
	}
	return true
}

// truncateRunes keeps at most n characters (never cutting one in half, so the detail stays valid UTF-8).
func truncateRunes(s string, n int) string {
	count := 0
	for i := range s {
		if count == n {
			return s[:i]
		}
		count++
	}
	return s
}

// jsNumber formats like JavaScript's Number.prototype.toString, so rejects' details read as in the TS validator.
func jsNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	e := strings.IndexByte(s, 'e')
	exp, _ := strconv.Atoi(s[e+1:])
	digits := strings.Replace(s[:e], ".", "", 1)
	k, n := len(digits), exp+1
	switch {
	case k <= n && n <= 21:
		return sign + digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		return sign + digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		return sign + "0." + strings.Repeat("0", -n) + digits
	}
	mant := digits[:1]
	if k > 1 {
		mant += "." + digits[1:]
	}
	expSign := "+"
	if n-1 < 0 {
		expSign = "-"
	}
	return sign + mant + "e" + expSign + strconv.Itoa(abs(n-1))
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// stringifyOrNull renders a value as JSON.stringify(value ?? null) does.
func stringifyOrNull(v *value) string {
	if v == nil {
		return "null"
	}
	var b strings.Builder
	stringify(&b, v)
	return b.String()
}

func stringify(b *strings.Builder, v *value) {
	switch v.kind {
	case kindNull:
		b.WriteString("null")
	case kindBool:
		b.WriteString(strconv.FormatBool(v.b))
	case kindNumber:
		if math.IsInf(v.num, 0) {
			b.WriteString("null")
		} else {
			b.WriteString(jsNumber(v.num))
		}
	case kindString:
		quote(b, v.str)
	case kindArray:
		b.WriteByte('[')
		for i := range v.items {
			if i > 0 {
				b.WriteByte(',')
			}
			stringify(b, &v.items[i].val)
		}
		b.WriteByte(']')
	case kindObject:
		b.WriteByte('{')
		first := true
		for i := range v.items {
			// A repeated key is printed once, with its last value, at its first position (as JSON.parse keeps it).
			if seenBefore(v.items[:i], v.items[i].key) {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			quote(b, v.items[i].key)
			b.WriteByte(':')
			last, _ := v.get(v.items[i].key)
			stringify(b, last)
		}
		b.WriteByte('}')
	}
}

func seenBefore(members []member, key string) bool {
	for i := range members {
		if members[i].key == key {
			return true
		}
	}
	return false
}

func quote(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&0xf])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}
