package telemetry

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// A message the broker sends again is counted once (issue #21). Readings overwrite themselves on a redelivery (their
// time is the device's), but rejects and status messages without `ts` take the receive time, so a bad message that
// the broker delivered twice (its first PUBACK lost with the connection, after Telegraf had written its rejects)
// became two reject points. The MQTT consumer tags such a message redelivered=true (the MQTT DUP flag,
// pipeline/telegraf-patches/mqtt_consumer-redelivered-tag.patch); the processor then validates it as of the receive
// time of its first delivery, with the same reject sequence numbers, so it writes the very points it wrote before
// and they overwrite themselves.
//
// Only messages whose points depend on the receive time are remembered (those with a reject or a status without
// `ts`), in a fixed number of slots, the oldest forgotten first. A redelivery of a forgotten message is taken as new:
// counted again rather than lost.
//
// The memory is also kept in a file (remember_file), so that it outlives Telegraf: Telegraf killed or restarted
// after it wrote a message's rejects but before the broker had its PUBACK gets the message again, with DUP, from the
// persistent session, and without the file it counted it twice. Each remembered delivery is written to its slot in
// the file (one pwrite of 32 bytes) while the message is processed, that is before any of its points is written to
// InfluxDB and so before it can be acknowledged: a process crash cannot lose it (the page cache keeps what was
// written). A machine crash can lose the last few seconds' slots; such a redelivery counts again, as a forgotten
// one does. A slot whose checksum does not match (torn by a power loss) is ignored.

// redeliveredTag is the tag the MQTT consumer sets (redelivered_tag in provisioning/telegraf/telegraf.d/telemetry.conf).
const redeliveredTag = "redelivered"

// defaultRememberMessages: at 1,000 rejected messages/s, the last 100 s; about 5 MB in memory, 3.2 MB on disk.
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
	// ordinal numbers the slots' writes, so that a reopened file knows which slot is the oldest.
	ordinal uint32
	file    *os.File
}

func newDeliveryMemory(capacity int) *deliveryMemory {
	if capacity <= 0 {
		capacity = defaultRememberMessages
	}
	return &deliveryMemory{byKey: make(map[uint64]firstDelivery, capacity), slots: make([]uint64, capacity)}
}

// The file: a header (magic, slot count) and one 32-byte slot per remembered message: key, receive time (ns), first
// reject sequence number, write ordinal (0: empty), checksum of the 28 bytes before it (FNV-1a 32), little endian.
const (
	memoryMagic      = "CRREDLV1"
	memoryHeaderSize = 16
	memorySlotSize   = 32
)

// openDeliveryMemory is newDeliveryMemory backed by the file at path: what it holds is loaded (when it was written
// with the same capacity; another capacity starts empty) and every later remember is written to it.
func openDeliveryMemory(path string, capacity int) (*deliveryMemory, error) {
	d := newDeliveryMemory(capacity)
	capacity = len(d.slots)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("remember_file %q: %w", path, err)
	}
	header := make([]byte, memoryHeaderSize)
	_, err = io.ReadFull(f, header)
	valid := err == nil && string(header[:8]) == memoryMagic && binary.LittleEndian.Uint64(header[8:]) == uint64(capacity)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		_ = f.Close()
		return nil, fmt.Errorf("remember_file %q: reading: %w", path, err)
	}
	if valid {
		if err := d.load(f); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("remember_file %q: %w", path, err)
		}
	} else {
		copy(header, memoryMagic)
		binary.LittleEndian.PutUint64(header[8:], uint64(capacity))
		if err := f.Truncate(0); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("remember_file %q: %w", path, err)
		}
		if _, err := f.WriteAt(header, 0); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("remember_file %q: %w", path, err)
		}
		if err := f.Truncate(memoryHeaderSize + int64(capacity)*memorySlotSize); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("remember_file %q: %w", path, err)
		}
	}
	d.file = f
	return d, nil
}

func slotChecksum(b []byte) uint32 {
	h := fnv.New32a()
	_, _ = h.Write(b[:28])
	return h.Sum32()
}

// load reads every valid slot; the next slot to fill is the one after the newest write.
func (d *deliveryMemory) load(f *os.File) error {
	buf := make([]byte, len(d.slots)*memorySlotSize)
	if _, err := f.ReadAt(buf, memoryHeaderSize); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading its slots: %w", err)
	}
	newest, newestSlot := uint32(0), -1
	for i := range d.slots {
		b := buf[i*memorySlotSize : (i+1)*memorySlotSize]
		ord := binary.LittleEndian.Uint32(b[24:])
		if ord == 0 || binary.LittleEndian.Uint32(b[28:]) != slotChecksum(b) {
			continue
		}
		key := binary.LittleEndian.Uint64(b)
		if old, ok := d.byKey[key]; ok {
			// Only reachable through a torn write: keep one.
			d.slots[old.slot] = 0
			d.used--
		}
		d.slots[i] = key
		d.byKey[key] = firstDelivery{receivedNs: int64(binary.LittleEndian.Uint64(b[8:])),
			seq: int64(binary.LittleEndian.Uint64(b[16:])), slot: i}
		d.used++
		if ord > newest {
			newest, newestSlot = ord, i
		}
	}
	d.ordinal = newest
	if newestSlot >= 0 {
		d.next = (newestSlot + 1) % len(d.slots)
	}
	return nil
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
// message is forgotten. With a file, the slot is written to it; the error is the file's (the memory has the delivery
// anyway).
func (d *deliveryMemory) remember(key uint64, receivedNs, seq int64) error {
	if old, ok := d.byKey[key]; ok {
		d.byKey[key] = firstDelivery{receivedNs: receivedNs, seq: seq, slot: old.slot}
		return d.writeSlot(old.slot, key, receivedNs, seq)
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
	return d.writeSlot(slot, key, receivedNs, seq)
}

func (d *deliveryMemory) writeSlot(slot int, key uint64, receivedNs, seq int64) error {
	if d.file == nil {
		return nil
	}
	if d.ordinal == ^uint32(0) {
		// 2^32 writes: renumber from 1, oldest first, so that the order survives.
		if err := d.renumber(); err != nil {
			return err
		}
	}
	d.ordinal++
	return d.writeAt(slot, key, receivedNs, seq, d.ordinal)
}

func (d *deliveryMemory) writeAt(slot int, key uint64, receivedNs, seq int64, ordinal uint32) error {
	var b [memorySlotSize]byte
	binary.LittleEndian.PutUint64(b[0:], key)
	binary.LittleEndian.PutUint64(b[8:], uint64(receivedNs))
	binary.LittleEndian.PutUint64(b[16:], uint64(seq))
	binary.LittleEndian.PutUint32(b[24:], ordinal)
	binary.LittleEndian.PutUint32(b[28:], slotChecksum(b[:]))
	_, err := d.file.WriteAt(b[:], memoryHeaderSize+int64(slot)*memorySlotSize)
	return err
}

// renumber rewrites every used slot with ordinals 1… from the oldest (the slot `next`) on.
func (d *deliveryMemory) renumber() error {
	d.ordinal = 0
	n := len(d.slots)
	for i := 0; i < n; i++ {
		slot := (d.next + i) % n
		f, ok := d.byKey[d.slots[slot]]
		if !ok || f.slot != slot {
			continue
		}
		d.ordinal++
		if err := d.writeAt(slot, d.slots[slot], f.receivedNs, f.seq, d.ordinal); err != nil {
			return err
		}
	}
	return nil
}

// close closes the file, if any.
func (d *deliveryMemory) close() error {
	if d.file == nil {
		return nil
	}
	err := d.file.Close()
	d.file = nil
	return err
}

func (d *deliveryMemory) size() int { return len(d.byKey) }
