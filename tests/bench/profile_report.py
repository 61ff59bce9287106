#!/usr/bin/python3
"""profile_report.py - sums `perf script -F comm,tid,time,ip,sym,dso` output
(cpu-clock samples with DWARF call chains) into the report of profile.sh.

Each sample goes to one stage.  Symbol rules are tried frame by frame from
the leaf outwards, and the first frame a rule names decides; a sample no
symbol rule claims goes by the library of its leaf frame.  NIMAGES in the
environment turns totals into milliseconds per image.
"""
import collections
import os
import re
import sys

FRAME = re.compile(r"^\s+([0-9a-f]+)\s+(.*?)\s+\((.*)\)\s*$")

DECODE_PROG = "JPEG decode: jpeg_start_decompress (progressive: all scans read)"
DECODE_SCAN = "JPEG decode: jpeg_read_scanlines (Huffman + IDCT + upsampling)"
DECODE_HEAD = "JPEG decode: header, EXIF/ICC, setup, finish"
SCANS = "progressive scan selection (jpegscan.c)"
READ = "read the source file"
RESAMPLE = "thumper's own resample, rotate, crop (resample.c, jpegfast.c)"
DECODE_OTHER = "PNG/WebP/TIFF decode (libpng, libwebp, libtiff, zlib inflate)"
ENCODE = "encode the thumbnail (jpeg/png/webp save)"
WRITE = "write the thumbnail file (open, write, futimens, rename, mkdir)"
FAULTS = "memory: page faults (first touch of fresh pages)"
MEMSET = "memory: libc memset/memcpy"
OWNERS = (("jpeg_", "in libjpeg's own buffers"),
          ("vips_tracked_malloc", "in libvips pixel buffers"),
          ("vips_buffer_new", "in libvips pixel buffers"),
          ("vips_region_buffer", "in libvips pixel buffers"),
          ("vips_image_", "in libvips images"))
MALLOC = "memory: malloc/free/malloc_trim/munmap"
ORCC = "ORC: compiling vector code (per pipeline)"
START = "process start + libvips init (once)"
GOBJ = "GObject/GLib + vips operation machinery"
VIPS = "libvips pixel code (shrink, reduce, colour, pipeline)"
JIT = "JIT'd ORC vector code (no unwind)"
KERNEL = "kernel: other syscalls, scheduling"
OTHER = "other"

DECODE_STAGES = (DECODE_PROG, DECODE_SCAN, DECODE_HEAD, DECODE_OTHER)


def symbol_rule(sym):
    if sym in ("asm_exc_page_fault", "exc_page_fault"):
        return FAULTS
    if sym.startswith(("__memset", "__memmove", "__memcpy", "memset",
                       "memcpy", "memmove")):
        return MEMSET
    if sym in ("malloc", "free", "_int_malloc", "_int_free", "malloc_trim",
               "mtrim", "sysmalloc", "__munmap", "munmap", "__libc_malloc",
               "__libc_free", "__GI___libc_free", "__GI___libc_malloc",
               "cfree", "_int_realloc", "realloc", "calloc", "__libc_calloc",
               "malloc_consolidate", "unlink_chunk", "__mmap", "mmap64",
               "__GI___munmap", "__GI___mmap64", "systrim"):
        return MALLOC
    if sym.startswith(("orc_program_compile", "orc_compiler", "orc_x86",
                       "orc_sse", "orc_avx", "orc_mmx")) or \
            sym == "vips_vector_compile":
        return ORCC
    if sym == "jpeg_start_decompress":
        return DECODE_PROG
    if sym == "jpeg_read_scanlines":
        return DECODE_SCAN
    if sym in ("jpeg_read_header", "jpeg_consume_input",
               "jpeg_finish_decompress", "jpeg_CreateDecompress",
               "jpeg_destroy_decompress", "jpeg_abort_decompress",
               "jpeg_calc_output_dimensions", "jpeg_save_markers",
               "jpeg_read_coefficients"):
        return DECODE_HEAD
    if sym.startswith(("jpeg_write", "jpeg_finish_compress",
                       "jpeg_start_compress", "jpeg_set_", "jpeg_CreateCompress",
                       "jpeg_destroy_compress", "jpeg_simple_progression",
                       "vips_jpegsave", "vips_pngsave", "vips_webpsave",
                       "vips_heifsave", "png_write", "deflate", "WebPEncode",
                       "WebPPicture", "TIFFWrite")):
        return ENCODE
    if sym.startswith(("png_read", "png_process", "png_image_begin_read",
                       "inflate", "WebPDecode", "WebPIDecode", "WebPIAppend",
                       "WebPIUpdate", "WebPDemux", "TIFFRead", "TIFFFillTile",
                       "TIFFFillStrip", "TIFFClientOpen")):
        return DECODE_OTHER
    if sym in ("write_atomic", "make_parent_dirs", "mkdir_p"):
        return WRITE
    if sym.startswith(("jpegscan_", "reduce_scans")):
        return SCANS
    if sym.startswith(("resample_", "hbox_row", "hpixel", "reduce_h", "vmac",
                       "vfinish", "emit_row", "ring_row", "axis_plan",
                       "mid_row_done", "make_resamplers", "orient_crop")):
        return RESAMPLE
    if sym in ("read_file", "src_fill_cb"):
        return READ
    if sym.startswith(("exif_", "icc_is_srgb", "open_source")):
        return DECODE_HEAD
    if sym == "encode":            # thumb.c's and jpegfast.c's
        return ENCODE
    if sym.startswith(("_dl_", "dl_main", "vips_init", "thumb_init",
                       "_dl_start", "g_type_register", "vips__init")):
        return START
    return None


def dso_rule(dso, sym):
    base = os.path.basename(dso)
    if base.startswith("libvips"):
        if sym.startswith(("vips_object", "vips_argument", "vips_cache",
                           "vips_operation")):
            return GOBJ
        return VIPS
    if base.startswith(("libgobject", "libglib", "libgmodule")):
        return GOBJ
    if base.startswith("liborc"):
        return ORCC
    if dso in ("[kernel.kallsyms]",):
        return KERNEL
    if dso in ("[unknown]", "") or dso.startswith("//anon"):
        return JIT
    if base.startswith("libjpeg"):
        return DECODE_SCAN
    if base.startswith(("libpng", "libwebp", "libtiff", "libz", "libsharpyuv")):
        return DECODE_OTHER
    if base.startswith("libc.so"):
        return MALLOC if sym.startswith(("_int_", "malloc")) else OTHER
    if base.startswith("ld-linux"):
        return START
    return OTHER


def samples(stream):
    frames = []
    for line in stream:
        m = FRAME.match(line)
        if m:
            frames.append((m.group(2), m.group(3)))
        elif line.strip() == "":
            if frames:
                yield frames
            frames = []
        else:          # a sample header line
            if frames:
                yield frames
            frames = []
    if frames:
        yield frames


def short_dso(dso):
    base = os.path.basename(dso)
    return re.sub(r"\.so\..*$", ".so", base) or dso


def main():
    nimages = int(os.environ.get("NIMAGES", "0")) or None
    stage = collections.Counter()
    self_dso = collections.Counter()
    self_sym = collections.Counter()
    incl = collections.Counter()
    total = 0
    for frames in samples(sys.stdin):
        total += 1
        leaf_sym = frames[0][0]
        # an inlined frame names no library: take its caller's
        leaf_dso = next((d for _s, d in frames if d != "inlined"), "inlined")
        named = leaf_sym not in ("[unknown]", "")
        self_dso[short_dso(leaf_dso)] += 1
        self_sym[leaf_sym if named else
                 f"({short_dso(leaf_dso)}: unnamed static code)"] += 1
        for s in {s for s, _ in frames if s not in ("[unknown]", "")}:
            incl[s] += 1
        st = None
        for i, (s, _d) in enumerate(frames):
            st = symbol_rule(s)
            if st:
                break
        if st in (FAULTS, MEMSET):      # whose memory is it?
            owner = next((o + (f" ({s})" if pre == "jpeg_" else "")
                          for s, _d in frames[i:] for pre, o in OWNERS
                          if s.startswith(pre)), "elsewhere")
            st = f"{st}, {owner}"
        stage[st or dso_rule(leaf_dso, leaf_sym)] += 1
    if total == 0:
        print("no samples")
        return 1

    hz = 999.0   # perf record -F 999

    def row(name, n):
        ms = f"{n / hz * 1000 / nimages:7.2f} ms/img" if nimages else ""
        return f"  {100 * n / total:5.1f}%  {ms}  {name}"

    dec = sum(n for s, n in stage.items()
              if s in DECODE_STAGES or "libjpeg's own buffers" in s)
    print(f"{total} samples, {total / hz:.2f} s CPU"
          + (f" for {nimages} images ({total / hz * 1000 / nimages:.1f} ms "
             "CPU per image)" if nimages else ""))
    print(f"decode (with libjpeg's page faults) {100 * dec / total:.1f}%, "
          f"everything beyond the decode "
          f"{100 * (total - dec) / total:.1f}%")
    print("\n-- by stage (call-stack rules)")
    for name, n in stage.most_common():
        print(row(name, n))
    print("\n-- self time by library")
    for name, n in self_dso.most_common(10):
        print(row(name, n))
    print("\n-- top functions, self time")
    for name, n in self_sym.most_common(20):
        print(row(name, n))
    print("\n-- top named functions, inclusive (on the stack)")
    skip = {"_start", "__libc_start_main", "__libc_start_main_impl",
            "__libc_start_call_main", "main", "start_thread", "clone3",
            "clone", "do_one", "thumb_make", "render",
            "entry_SYSCALL_64_after_hwframe", "do_syscall_64"}
    shown = 0
    for name, n in incl.most_common():
        if name in skip:
            continue
        print(row(name, n))
        shown += 1
        if shown == 25:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
