package telemetry

import "hash/fnv"

// A message the broker sends again is counted once (issue #21). Readings overwrite themselves on a redelivery (their
// time is the device's), but rejects and status messages without `ts` take the receive time, so a bad message that
// the broker delivered twice (its first PUBACK lost with the connection, after Telegraf had written its rejects)
// became two reject points. The MQTT consumer tags such a message redelivered=true (the MQTT DUP flag,
// pipeline/telegraf-patches/mqtt_consumer-redelivered-tag.patch); the processor then validates it as of the receive
// time of its first delivery, with the same reject sequence numbers, so it writes the very points it wrote before
// and they overwrite themselves.
//
// Only messages whose points depend on the receive time are remembered (those with a reject or a status without
// `ts`), in a fixed number of slots, the oldest forgotten first. A redelivery of a forgotten message, or one after
// Telegraf restarted, is taken as new: counted again rather than lost.

// redeliveredTag is the tag the MQTT consumer sets (redelivered_tag in provisioning/telegraf/telegraf.d/telemetry.conf).
const redeliveredTag = "redelivered"

// defaultRememberMessages: at 1,000 rejected messages/s, the last 100 s; about 5 MB.
const defaultRememberMessages = 100000

// firstDelivery is what a redelivery needs to write the same points: the receive time and the first reject's
// sequence number of the first delivery.
type firstDelivery struct {
	receivedNs int64
	seq        int64
	slot       int
}

// deliveryMemory maps a message (ingest, topic, payload) to its first delivery. Not safe for concurrent use: Telegraf
// calls a streaming processor's Add from one goroutine.
type deliveryMemory struct {
	byKey map[uint64]firstDelivery
	slots []uint64
	used  int
	next  int
}

func newDeliveryMemory(capacity int) *deliveryMemory {
	if capacity <= 0 {
		capacity = defaultRememberMessages
	}
	return &deliveryMemory{byKey: make(map[uint64]firstDelivery, capacity), slots: make([]uint64, capacity)}
}

// messageKey is a 64-bit FNV-1a hash of the message: equal for a redelivery, different for any other message
// (a collision between two live messages is about 2^-64 likely).
func messageKey(ingest, topic, payload string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(ingest))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(topic))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(payload))
	return h.Sum64()
}

func (d *deliveryMemory) recall(key uint64) (firstDelivery, bool) {
	f, ok := d.byKey[key]
	return f, ok
}

// remember records a delivery, replacing an earlier one of the same message; when every slot is taken the oldest
// message is forgotten.
func (d *deliveryMemory) remember(key uint64, receivedNs, seq int64) {
	if old, ok := d.byKey[key]; ok {
		d.byKey[key] = firstDelivery{receivedNs: receivedNs, seq: seq, slot: old.slot}
		return
	}
	slot := d.next
	if d.used == len(d.slots) {
		delete(d.byKey, d.slots[slot])
	} else {
		d.used++
	}
	d.slots[slot] = key
	d.byKey[key] = firstDelivery{receivedNs: receivedNs, seq: seq, slot: slot}
	d.next = (slot + 1) % len(d.slots)
}

func (d *deliveryMemory) size() int { return len(d.byKey) }
