//! Asking the kernel to back a large table that is read at random with huge pages. With 4 KiB
//! pages, a lookup in a table of tens of megabytes misses the address translation cache as well
//! as the data cache; with 2 MiB pages the whole table fits in that cache. It is advice only:
//! where the kernel or the platform does not take it, nothing changes but the speed.

use std::mem::MaybeUninit;

/// Huge pages are this large on the platforms that have them (x86-64, aarch64 with 4 KiB
/// base pages).
const HUGE_PAGE: usize = 2 << 20;

/// Advise that the not yet touched memory `spare` be backed by huge pages, when it spans at
/// least one whole huge page. Call it before writing to the memory: the pages are chosen when
/// first touched.
pub(super) fn advise<T>(spare: &mut [MaybeUninit<T>]) {
    let start = spare.as_mut_ptr() as usize;
    let end = start + std::mem::size_of_val(spare);
    let first = start.next_multiple_of(HUGE_PAGE);
    let last = end - end % HUGE_PAGE;
    if last <= first {
        return;
    }
    #[cfg(target_os = "linux")]
    // SAFETY: the range lies within `spare`, memory this process owns and has not handed out;
    // MADV_HUGEPAGE changes how it is backed, never its contents or its mapping.
    unsafe {
        libc::madvise(
            first as *mut libc::c_void,
            last - first,
            libc::MADV_HUGEPAGE,
        );
    }
}
