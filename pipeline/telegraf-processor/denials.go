package telemetry

import (
	"encoding/json"
	"sort"
)

// Publishes and subscriptions the broker refused because no ACL allows them (issue #21: a device publishing where its
// ACL does not allow it was refused and counted nowhere). Our broker plugin (provisioning/mosquitto/denials) counts
// them per topic and publishes the counts on $SYS/broker/carbonreducer/denied every 10 s when they changed: the
// totals and the changed topics' counts, all since the broker started. Each topic's count becomes an
// ingest_denied_by_topic point (tags topic, action, reason; field denied_messages), the totals go into ingest_flow.

const (
	sysDeniedTopic           = "$SYS/broker/carbonreducer/denied"
	deniedByTopicMeasurement = "ingest_denied_by_topic"
	// maxDeniedPending bounds what waits between two flow ticks (the plugin sends at most its 1,000 topics + 2).
	maxDeniedPending = 2000
)

type deniedReport struct {
	V         int    `json:"v"`
	Since     int64  `json:"since"`
	Reason    string `json:"reason"`
	Publish   int64  `json:"publish"`
	Subscribe int64  `json:"subscribe"`
	Topics    []struct {
		Action   string `json:"action"`
		Topic    string `json:"topic"`
		Messages int64  `json:"messages"`
	} `json:"topics"`
}

// deniedCount is one ingest_denied_by_topic point.
type deniedCount struct {
	topic, action, reason string
	messages              int64
	brokerSince           int64
}

// denied records a report of the broker plugin; false when it does not parse as one (then nothing changes).
// Called with the flow tracker's mutex held.
func (f *flowTracker) denied(payload string) bool {
	var r deniedReport
	if err := json.Unmarshal([]byte(payload), &r); err != nil || r.V != 1 || r.Reason == "" {
		return false
	}
	f.brokerDeniedPublishes = r.Publish
	f.brokerDeniedSubscribes = r.Subscribe
	if f.deniedPending == nil {
		f.deniedPending = map[[2]string]deniedCount{}
	}
	for _, t := range r.Topics {
		key := [2]string{t.Action, t.Topic}
		if _, ok := f.deniedPending[key]; !ok && len(f.deniedPending) >= maxDeniedPending {
			continue
		}
		f.deniedPending[key] = deniedCount{topic: truncateRunes(t.Topic, maxTopicTagRunes), action: t.Action,
			reason: r.Reason, messages: t.Messages, brokerSince: r.Since}
	}
	return true
}

// deniedChanged returns the counts reported since the last call, sorted by action and topic.
func (f *flowTracker) deniedChanged() []deniedCount {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]deniedCount, 0, len(f.deniedPending))
	for _, d := range f.deniedPending {
		out = append(out, d)
	}
	f.deniedPending = nil
	sort.Slice(out, func(i, j int) bool {
		if out[i].action != out[j].action {
			return out[i].action < out[j].action
		}
		return out[i].topic < out[j].topic
	})
	return out
}
