//! The roster's lookup table: employee id -> what the judge needs of the person, for a scan that
//! looks up every entitlement's holder, in whatever order the rows come. Each person is one
//! 32-byte slot of an open-addressing table (two to a cache line) holding the id itself (when it
//! has at most [`INLINE`] bytes, as HR ids usually do), the status, both role ids and the
//! effective time: the common lookup reads one slot, with no pointer to follow to a record or a
//! string. Longer ids keep a fingerprint in the slot and their text in a side arena. It only
//! stores and finds; reading HR and judging are the roster's and the judge's.

use hashbrown::DefaultHashBuilder;
use std::hash::BuildHasher;

use super::role_index::RoleId;
use crate::playbook::Status;

/// Ids of at most this many bytes are held in the slot itself.
pub(super) const INLINE: usize = 15;

/// The first key byte of a slot whose id is in the arena: never a byte of a valid id (ASCII), nor
/// of any UTF-8 text.
const LONG: u8 = 0xFF;

/// An effective time of `None`.
const NO_TIME: i64 = i64::MIN;

/// What the judge needs of one person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Person {
    /// The HR status the raw code maps to.
    pub status: Status,
    /// The job role, as a role id.
    pub role: RoleId,
    /// For movers, the role after the transfer.
    pub new_role: RoleId,
    /// When the status takes effect, in Unix seconds; `None` when HR gives no time (then it
    /// is in force).
    pub effective_at: Option<i64>,
}

/// One person, or an empty slot (tag 0).
#[derive(Clone, Copy)]
#[repr(C, align(32))]
struct Slot {
    /// The key, then the tag. The key is the id, zero-padded; or [`LONG`], the arena offset (4
    /// bytes), the length and 9 bytes of the hash. The tag is 0 for an empty slot, else 1 + the
    /// status's place in [`Status::ALL`].
    head: [u8; INLINE + 1],
    effective_at: i64,
    role: RoleId,
    new_role: RoleId,
}

/// The key bytes of a slot's head read as a number (the tag is its last byte).
const KEY_MASK: u128 = u128::MAX >> 8;

impl Slot {
    #[inline]
    fn tag(&self) -> u8 {
        self.head[INLINE]
    }

    #[inline]
    fn key(&self) -> &[u8] {
        &self.head[..INLINE]
    }

    /// The key as a number, to compare in one instruction.
    #[inline]
    fn key_bits(&self) -> u128 {
        u128::from_le_bytes(self.head) & KEY_MASK
    }
}

const EMPTY: Slot = Slot {
    head: [0; INLINE + 1],
    effective_at: 0,
    role: 0,
    new_role: 0,
};

/// Employee id -> [`Person`], with the line each was read from.
#[derive(Clone, Debug)]
pub(super) struct PersonTable {
    slots: Vec<Slot>,
    /// By slot: where the person is in the source.
    lines: Vec<u32>,
    /// The text of ids longer than [`INLINE`].
    arena: Vec<u8>,
    len: usize,
    seeds: [u64; 3],
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.tag() == 0 { "empty" } else { "person" })
    }
}

/// The head of a slot for an id of at most [`INLINE`] bytes, with tag 0.
#[inline]
fn inline_head(id: &[u8]) -> [u8; INLINE + 1] {
    let mut head = [0; INLINE + 1];
    head[..id.len()].copy_from_slice(id);
    head
}

#[inline]
fn folded_multiply(a: u64, b: u64) -> u64 {
    let full = u128::from(a) * u128::from(b);
    (full as u64) ^ ((full >> 64) as u64)
}

impl PersonTable {
    /// An empty table (hashes seeded at random, as hash maps are).
    pub fn new() -> PersonTable {
        let random = DefaultHashBuilder::default();
        PersonTable {
            slots: empty_slots(1024),
            lines: vec![0; 1024],
            arena: Vec::new(),
            len: 0,
            seeds: [
                random.hash_one(1u8) | 1,
                random.hash_one(2u8),
                random.hash_one(3u8),
            ],
        }
    }

    /// Number of people.
    pub fn len(&self) -> usize {
        self.len
    }

    /// The hash of an id.
    #[inline]
    fn hash(&self, id: &[u8]) -> u64 {
        let [s0, s1, s2] = self.seeds;
        let mut h = s0 ^ id.len() as u64;
        for chunk in id.chunks(16) {
            let mut padded = [0u8; 16];
            padded[..chunk.len()].copy_from_slice(chunk);
            let lo = u64::from_le_bytes(padded[..8].try_into().unwrap_or_default());
            let hi = u64::from_le_bytes(padded[8..].try_into().unwrap_or_default());
            h = folded_multiply(lo ^ s1 ^ h, hi ^ s2);
        }
        folded_multiply(h, s0)
    }

    /// The first slot to probe for `hash`.
    #[inline]
    fn home(&self, hash: u64) -> usize {
        let bits = self.slots.len().trailing_zeros();
        (hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
    }

    /// The slot holding `id`, if any.
    #[inline]
    fn position(&self, id: &[u8]) -> Option<usize> {
        let hash = self.hash(id);
        let mask = self.slots.len() - 1;
        let mut at = self.home(hash);
        if id.len() <= INLINE {
            let key = u128::from_le_bytes(inline_head(id));
            loop {
                let slot = &self.slots[at];
                if slot.tag() == 0 {
                    return None;
                }
                // Padding is zeros, and no id holds a zero byte: an id with one matches nothing.
                if slot.key_bits() == key {
                    return (!id.contains(&0)).then_some(at);
                }
                at = (at + 1) & mask;
            }
        }
        let tail = long_tail(id.len(), hash);
        loop {
            let slot = &self.slots[at];
            if slot.tag() == 0 {
                return None;
            }
            if slot.head[0] == LONG && slot.key()[5..] == tail && self.long_id(slot) == id {
                return Some(at);
            }
            at = (at + 1) & mask;
        }
    }

    fn long_id(&self, slot: &Slot) -> &[u8] {
        let start = u32::from_le_bytes([slot.head[1], slot.head[2], slot.head[3], slot.head[4]]);
        let start = start as usize;
        self.arena
            .get(start..start + usize::from(slot.head[5]))
            .unwrap_or_default()
    }

    /// Start fetching the slot a lookup of `id` reads first, without waiting for it.
    #[inline]
    pub fn prefetch(&self, id: &[u8]) {
        let slot: *const Slot = &self.slots[self.home(self.hash(id))];
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch is a hint: it never faults, reads nothing into the program and
        // writes nothing; the address is that of a slot of this table.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(slot.cast());
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = slot;
    }

    /// The person whose employee id is `id`.
    #[inline]
    pub fn get(&self, id: &[u8]) -> Option<Person> {
        let slot = &self.slots[self.position(id)?];
        Some(Person {
            status: Status::ALL[usize::from(slot.tag() - 1)],
            role: slot.role,
            new_role: slot.new_role,
            effective_at: (slot.effective_at != NO_TIME).then_some(slot.effective_at),
        })
    }

    /// The line of the person whose employee id is `id`.
    pub fn line(&self, id: &[u8]) -> Option<u32> {
        self.position(id).map(|at| self.lines[at])
    }

    /// Add `person` (whose id is not in the table yet, and is 1 to 64 bytes long) read at
    /// `line`; an error when the arena of long ids would pass 4 GiB.
    pub fn insert(&mut self, id: &[u8], person: Person, line: u32) -> Result<(), TooLarge> {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let hash = self.hash(id);
        let mut head = if id.len() <= INLINE {
            inline_head(id)
        } else {
            let start = u32::try_from(self.arena.len()).map_err(|_| TooLarge)?;
            self.arena.extend_from_slice(id);
            let mut head = [0; INLINE + 1];
            head[0] = LONG;
            head[1..5].copy_from_slice(&start.to_le_bytes());
            head[5..INLINE].copy_from_slice(&long_tail(id.len(), hash));
            head
        };
        head[INLINE] = Status::ALL
            .iter()
            .position(|s| *s == person.status)
            .map_or(0, |i| i as u8 + 1);
        let slot = Slot {
            head,
            effective_at: person.effective_at.unwrap_or(NO_TIME),
            role: person.role,
            new_role: person.new_role,
        };
        self.place(hash, slot, line);
        self.len += 1;
        Ok(())
    }

    fn place(&mut self, hash: u64, slot: Slot, line: u32) {
        let mask = self.slots.len() - 1;
        let mut at = self.home(hash);
        while self.slots[at].tag() != 0 {
            at = (at + 1) & mask;
        }
        self.slots[at] = slot;
        self.lines[at] = line;
    }

    /// Double the slots, placing every person again.
    fn grow(&mut self) {
        let size = self.slots.len() * 2;
        let slots = std::mem::replace(&mut self.slots, empty_slots(size));
        let lines = std::mem::replace(&mut self.lines, vec![0; size]);
        for (slot, line) in slots.into_iter().zip(lines) {
            if slot.tag() == 0 {
                continue;
            }
            let hash = if slot.head[0] == LONG {
                self.hash(self.long_id(&slot))
            } else {
                let len = slot.key().iter().position(|&b| b == 0).unwrap_or(INLINE);
                self.hash(&slot.key()[..len])
            };
            self.place(hash, slot, line);
        }
    }
}

/// `size` empty slots. A large table is read at random, a slot per lookup: the kernel is asked
/// to back it with huge pages, so that lookups do not also miss the address translation cache.
fn empty_slots(size: usize) -> Vec<Slot> {
    let mut slots = Vec::with_capacity(size);
    super::huge_pages::advise(slots.spare_capacity_mut());
    slots.resize(size, EMPTY);
    slots
}

/// The arena of long ids would pass 4 GiB.
#[derive(Debug)]
pub(super) struct TooLarge;

/// The last 10 key bytes of a long id's slot: its length and 9 bytes of its hash.
#[inline]
fn long_tail(len: usize, hash: u64) -> [u8; INLINE - 5] {
    let mut tail = [0; INLINE - 5];
    tail[0] = len as u8;
    tail[1..9].copy_from_slice(&hash.to_le_bytes());
    tail[9] = (hash >> 56) as u8 ^ (hash as u8);
    tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::role_index::{NO_ROLE, UNKNOWN_ROLE};

    fn person(i: u32) -> Person {
        Person {
            status: Status::ALL[i as usize % Status::ALL.len()],
            role: i % 7,
            new_role: if i.is_multiple_of(3) {
                NO_ROLE
            } else {
                UNKNOWN_ROLE
            },
            effective_at: (!i.is_multiple_of(5)).then(|| i64::from(i) * 86_400 - 1_000_000),
        }
    }

    #[test]
    fn finds_every_person_short_and_long_ids_through_growth() {
        let mut table = PersonTable::new();
        let id = |i: u32| match i % 4 {
            0 => format!("E{i}"),
            1 => format!("employee-{i:06}"),
            2 => format!("a-rather-long-employee-id-{i:010}"),
            _ => format!("{i:0>64}"),
        };
        for i in 0..20_000 {
            table.insert(id(i).as_bytes(), person(i), i + 2).unwrap();
        }
        assert_eq!(table.len(), 20_000);
        for i in 0..20_000 {
            assert_eq!(table.get(id(i).as_bytes()), Some(person(i)), "{}", id(i));
            assert_eq!(table.line(id(i).as_bytes()), Some(i + 2));
        }
        for missing in [
            "E20000",
            "E1\0",
            "E",
            "",
            "employee-0000010",
            "x".repeat(64).as_str(),
        ] {
            assert_eq!(table.get(missing.as_bytes()), None, "{missing:?}");
        }
        // A 15-byte id is inline, a 16-byte one is not; both are told from their neighbours.
        let mut table = PersonTable::new();
        let (a, b) = ("abcdefghijklmno", "abcdefghijklmnop");
        table.insert(a.as_bytes(), person(1), 2).unwrap();
        assert_eq!(table.get(b.as_bytes()), None);
        table.insert(b.as_bytes(), person(2), 3).unwrap();
        assert_eq!(table.get(a.as_bytes()), Some(person(1)));
        assert_eq!(table.get(b.as_bytes()), Some(person(2)));
        assert_eq!(table.get(&b.as_bytes()[..14]), None);
    }
}
