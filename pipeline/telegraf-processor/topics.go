package telemetry

import (
	"sort"
	"strings"
)

// Telegraf subscribes to all of carbonreducer/# (issue #21: a message on a topic outside the contract used to be
// acknowledged by the broker and counted nowhere, because Telegraf only subscribed to the telemetry and status
// topics). Every message there is now either telemetry or status (validated as before), one of the contract's other
// streams, which are not Telegraf's to store, or a bad_topic reject, counted per topic.

// otherContractTopic: a contract topic that is not telemetry or status (libs/telemetry/CONTRACT.md, "Topics"):
// commands (per device, and the broadcast carbonreducer/commands/…), device acks and events, a home's notifications,
// or a service's own topic, whose second level starts with "_", which no home id can (the workflows' probe,
// carbonreducer/_workflows/probe/…). Acknowledged and not stored.
func otherContractTopic(topic string) bool {
	parts := strings.Split(topic, "/")
	if len(parts) < 2 || parts[0] != topicRoot {
		return false
	}
	if strings.HasPrefix(parts[1], "_") || parts[1] == "commands" {
		return true
	}
	if !isValidID(parts[1]) {
		return false
	}
	switch {
	case len(parts) == 4 && (parts[2] == "commands" || parts[2] == "acks" || parts[2] == "events"):
		return isValidID(parts[3])
	case len(parts) == 3 && parts[2] == "notifications":
		return true
	}
	return false
}

const (
	// rejectsByTopicMeasurement: per topic, the messages rejected since Telegraf started (ingest_flow's companion).
	rejectsByTopicMeasurement = "ingest_rejects_by_topic"
	// maxRejectTopics bounds the series: topics beyond it are counted together under otherRejectTopics.
	maxRejectTopics   = 1000
	otherRejectTopics = "(other topics)"
	maxTopicTagRunes  = 200
)

// topicTally counts rejected messages per topic (messages with at least one reject, a redelivery not again), for
// ingest_rejects_by_topic. Guarded by the flow tracker's mutex.
type topicTally struct {
	counts  map[string]int64
	changed map[string]bool
}

func newTopicTally() topicTally {
	return topicTally{counts: map[string]int64{}, changed: map[string]bool{}}
}

func (t *topicTally) add(topic string) {
	key := truncateRunes(topic, maxTopicTagRunes)
	if key == "" {
		key = "(empty topic)"
	}
	if _, ok := t.counts[key]; !ok && len(t.counts) >= maxRejectTopics {
		key = otherRejectTopics
	}
	t.counts[key]++
	t.changed[key] = true
}

// drain returns the topics whose count changed since the last drain, sorted, with their counts.
func (t *topicTally) drain() []topicCount {
	out := make([]topicCount, 0, len(t.changed))
	for k := range t.changed {
		out = append(out, topicCount{topic: k, rejectedMessages: t.counts[k]})
	}
	t.changed = map[string]bool{}
	sort.Slice(out, func(i, j int) bool { return out[i].topic < out[j].topic })
	return out
}

type topicCount struct {
	topic            string
	rejectedMessages int64
}
