//! The compound file ([MS-CFB]) an `.xls` lives in: a small FAT file system of sectors.
//! Read from the file's bytes with every index checked: a sector number past the end, a
//! chain that loops (a cycle in the FAT), a directory or stream size that lies, are
//! typed errors (`E_CORRUPT`), never a panic, a hang or an allocation the file sizes.
//!
//! calamine's own reader (`cfb.rs`) is not public, and it follows sector chains without
//! a step bound.

use sheetc_core::error::Result;

use crate::package::corrupt;

const FREE: u32 = 0xFFFF_FFFF;
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
pub(crate) const SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

pub(crate) struct Cfb<'a> {
    data: &'a [u8],
    sector: usize,
    mini_sector: usize,
    mini_cutoff: u64,
    fat: Vec<u32>,
    mini_fat: Vec<u32>,
    /// The mini stream (the root entry's stream), holding the small streams.
    mini_stream: Vec<u8>,
    entries: Vec<Entry>,
}

struct Entry {
    name: String,
    kind: u8,
    start: u32,
    size: u64,
}

fn u32_at(d: &[u8], at: usize) -> Result<u32> {
    d.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).ok_or_else(|| corrupt("the compound file's header is cut short"))
}

impl<'a> Cfb<'a> {
    pub(crate) fn parse(data: &'a [u8]) -> Result<Cfb<'a>> {
        if data.len() < 512 || data[..8] != SIGNATURE {
            return Err(corrupt("the file is not a complete compound file (its 512-byte header is missing)"));
        }
        let shift = u16::from_le_bytes([data[30], data[31]]);
        let mini_shift = u16::from_le_bytes([data[32], data[33]]);
        if !(shift == 9 || shift == 12) || mini_shift != 6 {
            return Err(corrupt(format!("the compound file has sectors of 2^{shift} bytes, which no Excel writes")));
        }
        let sector = 1usize << shift;
        let mut cfb = Cfb {
            data,
            sector,
            mini_sector: 64,
            mini_cutoff: u32_at(data, 56)? as u64,
            fat: Vec::new(),
            mini_fat: Vec::new(),
            mini_stream: Vec::new(),
            entries: Vec::new(),
        };
        let sectors = cfb.sector_count();
        // The FAT's own sectors: 109 in the header, then the DIFAT chain.
        let fat_sectors = u32_at(data, 44)? as usize;
        if fat_sectors > sectors {
            return Err(corrupt("the compound file claims more FAT sectors than it has sectors"));
        }
        let mut fat_list: Vec<u32> = Vec::with_capacity(fat_sectors);
        for i in 0..109 {
            let s = u32_at(data, 76 + 4 * i)?;
            if s != FREE && fat_list.len() < fat_sectors {
                fat_list.push(s);
            }
        }
        let mut difat = u32_at(data, 68)?;
        let mut steps = 0usize;
        while fat_list.len() < fat_sectors && difat != END_OF_CHAIN && difat != FREE {
            steps += 1;
            if steps > sectors {
                return Err(corrupt("the compound file's DIFAT chain loops"));
            }
            let s = cfb.sector_bytes(difat)?;
            let per = sector / 4 - 1;
            for i in 0..per {
                let v = u32_at(s, 4 * i)?;
                if v != FREE && fat_list.len() < fat_sectors {
                    fat_list.push(v);
                }
            }
            difat = u32_at(s, 4 * per)?;
        }
        let mut fat = Vec::with_capacity(fat_list.len() * sector / 4);
        for s in fat_list {
            let b = cfb.sector_bytes(s)?;
            fat.extend(b.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])));
        }
        cfb.fat = fat;
        // The directory.
        let dir = cfb.chain_bytes(u32_at(data, 48)?, None)?;
        for e in dir.chunks_exact(128) {
            let name_len = (u16::from_le_bytes([e[64], e[65]]) as usize).min(64);
            let units: Vec<u16> = e[..name_len.saturating_sub(2)].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
            let size = u64::from_le_bytes([e[120], e[121], e[122], e[123], e[124], e[125], e[126], e[127]]);
            // Version 3 files have 512-byte sectors and 32-bit sizes (the high half may be junk).
            let size = if sector == 512 { size & 0xFFFF_FFFF } else { size };
            cfb.entries.push(Entry { name: String::from_utf16_lossy(&units), kind: e[66], start: u32::from_le_bytes([e[116], e[117], e[118], e[119]]), size });
        }
        // The mini FAT and the mini stream (only needed for streams under the cutoff).
        let mini_fat_start = u32_at(data, 60)?;
        if mini_fat_start != END_OF_CHAIN && mini_fat_start != FREE {
            let b = cfb.chain_bytes(mini_fat_start, None)?;
            cfb.mini_fat = b.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
            if let Some(root) = cfb.entries.iter().find(|e| e.kind == 5) {
                let (start, size) = (root.start, root.size);
                cfb.mini_stream = cfb.chain_bytes(start, Some(size))?;
            }
        }
        Ok(cfb)
    }

    fn sector_count(&self) -> usize {
        (self.data.len().saturating_sub(512)).div_ceil(self.sector)
    }

    fn sector_bytes(&self, n: u32) -> Result<&'a [u8]> {
        let start = (n as usize).checked_add(1).and_then(|k| k.checked_mul(self.sector)).ok_or_else(|| corrupt("a sector number is out of range"))?;
        if start >= self.data.len() {
            return Err(corrupt(format!("the compound file points at sector {n}, past its end")));
        }
        // The last sector may be short in a file that was cut: read what is there.
        Ok(&self.data[start..(start + self.sector).min(self.data.len())])
    }

    /// The bytes of a chain of sectors (the whole chain, or `size` bytes of it). A chain
    /// longer than the file has sectors loops: that is an error, not a hang.
    fn chain_bytes(&self, start: u32, size: Option<u64>) -> Result<Vec<u8>> {
        let max = self.sector_count();
        if let Some(size) = size {
            if size > (max as u64) * self.sector as u64 {
                return Err(corrupt(format!("a stream of the compound file claims {size} bytes, more than the file holds")));
            }
        }
        let mut out = Vec::new();
        let mut cur = start;
        // A sector met twice is a cycle, even one short enough to fit the stream's size
        // (reading it would repeat sectors: a silent wrong stream, not only a hang).
        let mut seen = vec![false; max];
        while cur != END_OF_CHAIN {
            if size.is_some_and(|s| out.len() as u64 >= s) {
                break;
            }
            let slot = seen.get_mut(cur as usize).ok_or_else(|| corrupt(format!("the compound file points at sector {cur}, past its end")))?;
            if std::mem::replace(slot, true) {
                return Err(corrupt("a sector chain of the compound file loops (a cycle in its FAT)"));
            }
            out.extend_from_slice(self.sector_bytes(cur)?);
            cur = *self.fat.get(cur as usize).ok_or_else(|| corrupt(format!("sector {cur} has no FAT entry")))?;
        }
        if let Some(size) = size {
            if (out.len() as u64) < size {
                return Err(corrupt("a stream of the compound file is shorter than its directory entry says"));
            }
            out.truncate(size as usize);
        }
        Ok(out)
    }

    fn mini_chain_bytes(&self, start: u32, size: u64) -> Result<Vec<u8>> {
        let max = self.mini_fat.len();
        let mut out = Vec::new();
        let mut cur = start;
        let mut seen = vec![false; max];
        while cur != END_OF_CHAIN && (out.len() as u64) < size {
            let slot = seen.get_mut(cur as usize).ok_or_else(|| corrupt(format!("mini sector {cur} has no entry")))?;
            if std::mem::replace(slot, true) {
                return Err(corrupt("a mini-sector chain of the compound file loops"));
            }
            let at = cur as usize * self.mini_sector;
            let b = self.mini_stream.get(at..at + self.mini_sector).ok_or_else(|| corrupt(format!("mini sector {cur} is past the mini stream")))?;
            out.extend_from_slice(b);
            cur = *self.mini_fat.get(cur as usize).ok_or_else(|| corrupt(format!("mini sector {cur} has no entry")))?;
        }
        if (out.len() as u64) < size {
            return Err(corrupt("a stream of the compound file is shorter than its directory entry says"));
        }
        out.truncate(size as usize);
        Ok(out)
    }

    /// Whether a stream or storage of that name exists (names compare case-insensitively).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.entries.iter().any(|e| (e.kind == 1 || e.kind == 2) && e.name.eq_ignore_ascii_case(name))
    }

    /// The stream of that name, at most `limit` bytes long.
    pub(crate) fn stream(&self, name: &str, limit: u64) -> Result<Option<Vec<u8>>> {
        let Some(e) = self.entries.iter().find(|e| e.kind == 2 && e.name.eq_ignore_ascii_case(name)) else { return Ok(None) };
        if e.size > limit {
            return Err(sheetc_core::error::SheetcError::new(
                sheetc_core::error::ErrorCode::TooLarge,
                format!("the {name} stream is {} bytes, over the limit of {limit}", e.size),
            ));
        }
        if e.size < self.mini_cutoff {
            self.mini_chain_bytes(e.start, e.size).map(Some)
        } else {
            self.chain_bytes(e.start, Some(e.size)).map(Some)
        }
    }
}
