//! Error ids for C: a fixed table of error records, no allocator.
//!
//! A failing call stores its errno and a NUL-terminated description in a
//! free slot and returns the slot's id, a negative number below -4096 (so
//! `IS_PATHRS_ERR` holds). `pathrs_errorinfo(id)` hands out a pointer to
//! the slot's record (once, as libpathrs does: the id is then spent) and
//! `pathrs_errorinfo_free` gives the slot back.
//!
//! Each slot's state and generation share one atomic word, so an id that
//! was already read (or freed and its slot reused) never finds the newer
//! record: it gets NULL, as an unknown id does in libpathrs.
//!
//! **When every slot is taken** (records stored but never read, or read but
//! never freed), the error is not dropped: the call returns an *overflow
//! id* that names one of 4096 constant records, one per errno value, each
//! carrying that errno and the description "error table full". Those records
//! always exist, can be read any number of times, and freeing them is a
//! no-op. So the errno is never lost, only the detailed text.

use core::ffi::c_char;
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicPtr, AtomicU8, AtomicU64, AtomicUsize, Ordering};

/// libpathrs's `pathrs_error_t`: `{ uint64_t saved_errno; const char
/// *description; }`, 8-byte aligned. Atomics have the layout of the plain
/// types, so C reads it as the plain struct.
#[repr(C, align(8))]
pub struct CError {
    saved_errno: AtomicU64,
    description: AtomicPtr<c_char>,
}

/// Slots in the table.
pub const SLOTS: usize = 64;
/// Bytes of description per slot, NUL included.
const TEXT_LEN: usize = 256;
/// Errno values that have an overflow record (0 = no errno).
const ERRNO_LIMIT: usize = 4096;

/// Slot ids are `-(SLOT_ID_BASE + generation * SLOTS + slot)`.
const SLOT_ID_BASE: i64 = 0x2000;
/// Overflow ids are `-(OVERFLOW_ID_BASE + errno)`.
const OVERFLOW_ID_BASE: i64 = 0x4000_0000;
/// Generations wrap below this, so slot ids stay below the overflow ids.
const GENERATIONS: u64 = ((OVERFLOW_ID_BASE - SLOT_ID_BASE) as u64) / SLOTS as u64;

const _: () = assert!(SLOT_ID_BASE > 4096);
const _: () = assert!(OVERFLOW_ID_BASE + ERRNO_LIMIT as i64 <= i32::MAX as i64);
const _: () = assert!(core::mem::size_of::<CError>() == 16);

// A slot's word: generation << 8 | state.
const FREE: u64 = 0;
const WRITING: u64 = 1;
const STORED: u64 = 2;
const TAKEN: u64 = 3;

struct Slot {
    word: AtomicU64,
    record: CError,
    text: [AtomicU8; TEXT_LEN],
}

impl Slot {
    const fn new() -> Slot {
        Slot {
            word: AtomicU64::new(FREE),
            record: CError {
                saved_errno: AtomicU64::new(0),
                description: AtomicPtr::new(core::ptr::null_mut()),
            },
            text: [const { AtomicU8::new(0) }; TEXT_LEN],
        }
    }
}

static TABLE: [Slot; SLOTS] = [const { Slot::new() }; SLOTS];
static CURSOR: AtomicUsize = AtomicUsize::new(0);

const OVERFLOW_TEXT: &[u8] =
    b"safe-procfs: error table full (64 error records unread or not freed); saved_errno holds the error's errno\0";

const fn overflow_records() -> [CError; ERRNO_LIMIT] {
    let mut all = [const {
        CError {
            saved_errno: AtomicU64::new(0),
            description: AtomicPtr::new(core::ptr::null_mut()),
        }
    }; ERRNO_LIMIT];
    let mut errno = 0;
    while errno < ERRNO_LIMIT {
        all[errno] = CError {
            saved_errno: AtomicU64::new(errno as u64),
            description: AtomicPtr::new(OVERFLOW_TEXT.as_ptr() as *mut c_char),
        };
        errno += 1;
    }
    all
}

static OVERFLOW: [CError; ERRNO_LIMIT] = overflow_records();

/// Writes into a slot's text, truncating, always leaving room for the NUL.
struct TextWriter<'a> {
    text: &'a [AtomicU8; TEXT_LEN],
    len: usize,
}

impl Write for TextWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            // Keep the last byte for the NUL.
            if self.len + 1 >= TEXT_LEN {
                break;
            }
            if let Some(cell) = self.text.get(self.len) {
                cell.store(b, Ordering::Relaxed);
            }
            self.len += 1;
        }
        Ok(())
    }
}

/// Stores an error and returns its id (a slot id, or an overflow id when
/// the table is full).
pub fn save(errno: i32, what: &dyn fmt::Display) -> i32 {
    let start = CURSOR.fetch_add(1, Ordering::Relaxed);
    for i in 0..SLOTS {
        let index = (start.wrapping_add(i)) % SLOTS;
        let Some(slot) = TABLE.get(index) else {
            continue;
        };
        let word = slot.word.load(Ordering::Relaxed);
        if word & 0xff != FREE {
            continue;
        }
        let generation = word >> 8;
        if slot
            .word
            .compare_exchange(
                word,
                generation << 8 | WRITING,
                Ordering::Acquire,
                Ordering::Relaxed,
            )
            .is_err()
        {
            continue;
        }
        let mut w = TextWriter {
            text: &slot.text,
            len: 0,
        };
        let _ = write!(w, "{what}");
        if let Some(cell) = slot.text.get(w.len) {
            cell.store(0, Ordering::Relaxed);
        }
        slot.record
            .saved_errno
            .store(errno.max(0) as u64, Ordering::Relaxed);
        slot.record
            .description
            .store(slot.text.as_ptr() as *mut c_char, Ordering::Relaxed);
        slot.word.store(generation << 8 | STORED, Ordering::Release);
        let id = SLOT_ID_BASE + (generation * SLOTS as u64 + index as u64) as i64;
        return -(id as i32);
    }
    overflow_id(errno)
}

fn overflow_id(errno: i32) -> i32 {
    let errno = if (0..ERRNO_LIMIT as i32).contains(&errno) {
        errno
    } else {
        0
    };
    -(OVERFLOW_ID_BASE as i32 + errno)
}

/// The record of `id`, or NULL if `id` names none (never handed out,
/// already read, or not an error id at all).
pub fn take(id: i32) -> *mut CError {
    let n = -(id as i64);
    if (OVERFLOW_ID_BASE..OVERFLOW_ID_BASE + ERRNO_LIMIT as i64).contains(&n) {
        return match OVERFLOW.get((n - OVERFLOW_ID_BASE) as usize) {
            Some(record) => record as *const CError as *mut CError,
            None => core::ptr::null_mut(),
        };
    }
    if !(SLOT_ID_BASE..OVERFLOW_ID_BASE).contains(&n) {
        return core::ptr::null_mut();
    }
    let t = (n - SLOT_ID_BASE) as u64;
    let (index, generation) = ((t % SLOTS as u64) as usize, t / SLOTS as u64);
    let Some(slot) = TABLE.get(index) else {
        return core::ptr::null_mut();
    };
    match slot.word.compare_exchange(
        generation << 8 | STORED,
        generation << 8 | TAKEN,
        Ordering::Acquire,
        Ordering::Relaxed,
    ) {
        Ok(_) => &slot.record as *const CError as *mut CError,
        Err(_) => core::ptr::null_mut(),
    }
}

/// Gives back the slot of a record handed out by [`take`]. Overflow
/// records, NULL and pointers this library never handed out are ignored.
pub fn free(ptr: *mut CError) {
    for slot in TABLE.iter() {
        if !core::ptr::eq(&slot.record, ptr) {
            continue;
        }
        let word = slot.word.load(Ordering::Relaxed);
        if word & 0xff != TAKEN {
            return;
        }
        let next = ((word >> 8) + 1) % GENERATIONS;
        let _ = slot.word.compare_exchange(
            word,
            next << 8 | FREE,
            Ordering::Release,
            Ordering::Relaxed,
        );
        return;
    }
}
