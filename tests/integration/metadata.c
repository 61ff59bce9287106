/*
 * metadata.c - what a thumbnail carries besides pixels (design.md §4),
 * read from the thumbnail's own bytes.  Prints TAP.
 *
 * Two JPEG sources with EXIF (an artist, and a preview image of their
 * own, which libvips 8.14.1's WebP saver used to copy into WebP
 * thumbnails), XMP and IPTC, one also tagged Display P3, are thumbnailed
 * into JPEG (fast path on and off), PNG, WebP and AVIF.  Stripped (the
 * default), no thumbnail may hold EXIF, XMP, IPTC or an ICC profile:
 * JPEG APP1/APP2/APP13 segments, PNG eXIf/iCCP/iTXt/tEXt/zTXt chunks,
 * WebP EXIF/XMP/ICCP chunks, AVIF Exif and XMP items and ICC colour
 * boxes are looked for, and the marker strings and the preview anywhere
 * in the file.  With keep_metadata every thumbnail keeps the EXIF (and
 * its artist) and the XMP; its pixels are sRGB all the same, so the
 * P3 source's thumbnails carry an sRGB profile (icc_judge() says so) and
 * the untagged source's none.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libexif/exif-data.h>
#include <vips/vips.h>

#include "tests/integration/ctest.h"
#include "worker/icc.h"
#include "worker/thumb.h"

#define ARTIST "thumper-test-artist"
#define XMP_MARK "thumper-test-xmp"
#define IPTC_MARK "thumper-test-iptc"

enum { M_EXIF = 1, M_XMP = 2, M_ICC = 4, M_IPTC = 8, M_TEXT = 16 };

static char tmpdir[64];		/* /tmp/thumper-NAME.XXXXXX */
static uint8_t *preview;	/* the sources' EXIF preview, a JPEG */
static size_t previewlen;

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int
starts(const uint8_t *p, size_t n, const char *s)
{
	return n >= strlen(s) && memcmp(p, s, strlen(s)) == 0;
}

/* The metadata segments before the JPEG's first scan. */
static int
jpeg_meta(const uint8_t *p, size_t n)
{
	size_t i = 2;
	int m = 0;

	while (i + 4 <= n && p[i] == 0xFF && p[i + 1] != 0xDA) {
		size_t len = (size_t)p[i + 2] << 8 | p[i + 3];
		const uint8_t *d = p + i + 4;

		if (len < 2 || i + 2 + len > n)
			break;
		if (p[i + 1] == 0xE1 && starts(d, len - 2, "Exif"))
			m |= M_EXIF;
		if (p[i + 1] == 0xE1 && starts(d, len - 2, "http://ns.adobe.com/xap"))
			m |= M_XMP;
		if (p[i + 1] == 0xE2 && starts(d, len - 2, "ICC_PROFILE"))
			m |= M_ICC;
		m |= p[i + 1] == 0xED ? M_IPTC : p[i + 1] == 0xFE ? M_TEXT : 0;
		i += 2 + len;
	}
	return m;
}

static int
png_meta(const uint8_t *p, size_t n)
{
	int m = 0;

	for (size_t i = 8; i + 12 <= n; i += 12 + be32(p + i)) {
		const uint8_t *t = p + i + 4;

		if (be32(p + i) > n - i - 12)
			break;
		if (memcmp(t, "eXIf", 4) == 0)
			m |= M_EXIF;
		else if (memcmp(t, "iCCP", 4) == 0)
			m |= M_ICC;
		else if (memcmp(t, "iTXt", 4) == 0 || memcmp(t, "tEXt", 4) == 0 ||
			 memcmp(t, "zTXt", 4) == 0)
			m |= starts(t + 4, be32(p + i), "XML:com.adobe.xmp") ?
			     M_XMP : M_TEXT;
	}
	return m;
}

static int
webp_meta(const uint8_t *p, size_t n)
{
	int m = 0;

	for (size_t i = 12; i + 8 <= n; ) {
		size_t len = (size_t)p[i + 4] | (size_t)p[i + 5] << 8 |
			     (size_t)p[i + 6] << 16 | (size_t)p[i + 7] << 24;

		m |= memcmp(p + i, "EXIF", 4) == 0 ? M_EXIF :
		     memcmp(p + i, "XMP ", 4) == 0 ? M_XMP :
		     memcmp(p + i, "ICCP", 4) == 0 ? M_ICC : 0;
		if (len > n - i - 8)
			break;
		i += 8 + len + (len & 1);
	}
	return m;
}

/*
 * The AVIF's (ISOBMFF) metadata: item types Exif and mime (XMP) in
 * meta/iinf/infe, ICC colour (prof, rICC) in meta/iprp/ipco/colr.
 */
static int
avif_meta(const uint8_t *p, size_t n)
{
	int m = 0;

	for (size_t i = 0; i + 8 <= n; ) {
		size_t len = be32(p + i), skip = 8;
		const uint8_t *t = p + i + 4;

		if (len < 8 || len > n - i)
			break;
		if (memcmp(t, "meta", 4) == 0)
			skip = 12;		/* a full box: descend */
		else if (memcmp(t, "iprp", 4) == 0 || memcmp(t, "ipco", 4) == 0)
			skip = 8;
		else if (memcmp(t, "iinf", 4) == 0)
			skip = 12 + (p[i + 8] == 0 ? 2 : 4);
		else {
			if (memcmp(t, "infe", 4) == 0 && len >= 20 && p[i + 8] >= 2) {
				const uint8_t *type = p + i + 12 +
						      (p[i + 8] == 2 ? 2 : 4) + 2;

				m |= memcmp(type, "Exif", 4) == 0 ? M_EXIF :
				     memcmp(type, "mime", 4) == 0 ? M_XMP : 0;
			}
			if (memcmp(t, "colr", 4) == 0 && len >= 12 &&
			    (memcmp(p + i + 8, "prof", 4) == 0 ||
			     memcmp(p + i + 8, "rICC", 4) == 0))
				m |= M_ICC;
			skip = len;
		}
		i += skip;
	}
	return m;
}

static const struct {
	enum thumb_format fmt;
	const char *ext;
	int (*meta)(const uint8_t *, size_t);
} outs[] = {
	{ THUMB_FORMAT_JPEG, "jpg", jpeg_meta },
	{ THUMB_FORMAT_PNG, "png", png_meta },
	{ THUMB_FORMAT_WEBP, "webp", webp_meta },
	{ THUMB_FORMAT_AVIF, "avif", avif_meta },
};

/* A W x H RGB image of smooth colours. */
static VipsImage *
gradient(int w, int h)
{
	uint8_t *px = g_malloc((size_t)w * h * 3);
	VipsImage *img;

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint8_t *q = px + ((size_t)y * w + x) * 3;

			q[0] = (uint8_t)(x * 255 / w);
			q[1] = (uint8_t)(y * 255 / h);
			q[2] = (uint8_t)(255 - q[0] / 2 - q[1] / 2);
		}
	img = vips_image_new_from_memory_copy(px, (size_t)w * h * 3, w, h, 3,
					      VIPS_FORMAT_UCHAR);
	g_free(px);
	return img;
}

/* The EXIF block of the sources: an artist and a preview JPEG. */
static void
set_exif(VipsImage *img)
{
	ExifData *ed = exif_data_new();
	ExifMem *mem = exif_mem_new_default();
	ExifEntry *e = exif_entry_new_mem(mem);
	unsigned char *buf = NULL;
	unsigned int len = 0;

	exif_data_set_byte_order(ed, EXIF_BYTE_ORDER_INTEL);
	e->tag = EXIF_TAG_ARTIST;
	e->format = EXIF_FORMAT_ASCII;
	e->components = e->size = sizeof(ARTIST);
	e->data = exif_mem_alloc(mem, e->size);
	memcpy(e->data, ARTIST, e->size);
	exif_content_add_entry(ed->ifd[EXIF_IFD_0], e);
	exif_entry_unref(e);
	exif_mem_unref(mem);
	ed->data = malloc(previewlen);	/* freed by exif_data_unref() */
	memcpy(ed->data, preview, previewlen);
	ed->size = (unsigned int)previewlen;
	exif_data_save_data(ed, &buf, &len);
	vips_image_set_blob_copy(img, VIPS_META_EXIF_NAME, buf, len);
	free(buf);
	exif_data_unref(ed);
}

/* A JPEG source with EXIF, XMP, IPTC and, with P3, a Display P3 profile. */
static const char *
make_source(const char *name, int p3)
{
	static char path[PATH_MAX];
	static const char xmp[] = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">"
		"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
		"<rdf:Description xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
		"dc:source=\"" XMP_MARK "\"/></rdf:RDF></x:xmpmeta>";
	static const char iptc[] = "Photoshop 3.0\0" "8BIM\x04\x04\0\0"
		"\0\0\0\x16" "\x1c\x02\x78\0\x11" IPTC_MARK;
	VipsImage *img = gradient(640, 480);
	VipsBlob *icc = NULL;
	char file[PATH_MAX + 8];
	int rc = -1;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	snprintf(file, sizeof(file), "%s[Q=90]", path);
	if (img != NULL) {
		set_exif(img);
		vips_image_set_blob_copy(img, VIPS_META_XMP_NAME, xmp,
					 sizeof(xmp) - 1);
		vips_image_set_blob_copy(img, VIPS_META_IPTC_NAME, iptc,
					 sizeof(iptc) - 1);
		if (p3 && vips_profile_load("p3", &icc, NULL) == 0 && icc) {
			size_t n;
			const void *d = vips_blob_get(icc, &n);

			vips_image_set_blob_copy(img, VIPS_META_ICC_NAME, d, n);
			vips_area_unref(VIPS_AREA(icc));
		}
		rc = vips_image_write_to_file(img, file, NULL);
		g_object_unref(img);
	}
	return rc == 0 ? path : NULL;
}

/* Whether NEEDLE (LEN bytes) occurs in the N bytes at P. */
static int
holds(const uint8_t *p, size_t n, const void *needle, size_t len)
{
	return memmem(p, n, needle, len) != NULL;
}

/*
 * The ICC profile of the thumbnail BUF as libvips reads it, judged:
 * ICC_AS_IS when sRGB, -1 when there is none.
 */
static int
kept_profile(const uint8_t *buf, size_t len)
{
	VipsImage *img = vips_image_new_from_buffer(buf, len, "", NULL);
	const void *icc;
	size_t n;
	char why[64];
	int v = -1;

	if (img != NULL && vips_image_get_typeof(img, VIPS_META_ICC_NAME) &&
	    vips_image_get_blob(img, VIPS_META_ICC_NAME, &icc, &n) == 0)
		v = (int)icc_judge(icc, n, img->Bands < 3, why, sizeof(why));
	if (img != NULL)
		g_object_unref(img);
	vips_error_clear();
	return v;
}

/*
 * SRC (tagged Display P3 when P3) into output O with KEEP and the fast
 * path RULE: stripped, nothing; kept, EXIF with its artist, XMP, and an
 * sRGB profile exactly when the source had a profile.
 */
static void
check(const char *what, const char *src, int p3, size_t o, bool keep,
      enum thumb_jpeg_fast rule)
{
	struct thumb_config cfg = {
		.crop = THUMB_CROP_NONE, .jpeg_fast = rule, .keep_metadata = keep,
		.max_pixels = 100000000, .vips_threads = 1,
	};
	char path[PATH_MAX], label[160];
	struct thumb_output out = { 200, 200, outs[o].fmt, 85, path };
	struct thumb_result res;
	uint8_t *buf = NULL;
	size_t len = 0;
	int m = 0, marks = 0, icc = -1;

	snprintf(path, sizeof(path), "%s/out/t.%s", tmpdir, outs[o].ext);
	snprintf(label, sizeof(label), "%s -> %s%s, %s", what, outs[o].ext,
		 outs[o].fmt != THUMB_FORMAT_JPEG ? "" :
		 rule == THUMB_JPEG_FAST_OFF ? " (fast path off)" :
		 " (fast path on)", keep ? "keep_metadata" : "stripped");
	if (src != NULL && thumb_make(&cfg, src, &out, 1, &res) == THUMB_OK)
		buf = ctest_slurp(path, &len);
	else
		printf("# %s: %s\n", label, src ? res.reason : "no source");
	if (buf != NULL) {
		m = outs[o].meta(buf, len);
		marks = holds(buf, len, ARTIST, strlen(ARTIST)) |
			holds(buf, len, XMP_MARK, strlen(XMP_MARK)) << 1 |
			holds(buf, len, IPTC_MARK, strlen(IPTC_MARK)) << 2 |
			holds(buf, len, preview, previewlen) << 3;
		icc = kept_profile(buf, len);
	}
	if (!keep)
		tap(buf != NULL && m == 0 && marks == 0, "%s: no EXIF, XMP, "
		    "IPTC, ICC, text (found %#x, markers %#x)", label, m, marks);
	else
		tap(buf != NULL && (m & (M_EXIF | M_XMP)) == (M_EXIF | M_XMP) &&
		    (marks & 1) && (p3 ? icc == ICC_AS_IS : icc == -1),
		    "%s: EXIF with its artist and XMP kept, %s (found %#x, "
		    "markers %#x)", label, p3 ? "an sRGB profile" : "no profile",
		    m, marks);
	free(buf);
}

/* check() both stripped and kept, JPEG with the fast path on and off. */
static void
check_all(const char *what, const char *src, int p3, size_t o, int avif)
{
	for (int keep = 0; keep < 2; keep++)
		for (int off = 0; off < 1 + (outs[o].fmt == THUMB_FORMAT_JPEG);
		     off++) {
			if (outs[o].fmt == THUMB_FORMAT_AVIF && !avif)
				tap_skip("AVIF: libvips cannot write it here");
			else
				check(what, src, p3, o, keep, off ?
				      THUMB_JPEG_FAST_OFF : THUMB_JPEG_FAST_EXACT);
		}
}

/* Whether this libvips can write AVIF (libheif with an AV1 encoder). */
static int
can_avif(void)
{
	VipsImage *img = gradient(16, 16);
	void *buf = NULL;
	size_t len;
	int ok = img != NULL &&
		 vips_heifsave_buffer(img, &buf, &len, "compression",
				      VIPS_FOREIGN_HEIF_COMPRESSION_AV1,
				      NULL) == 0;

	if (img != NULL)
		g_object_unref(img);
	g_free(buf);
	vips_error_clear();
	return ok;
}

int
main(int argc, char **argv)
{
	struct thumb_config cfg = { .vips_threads = 1 };
	const char *src[2];
	VipsImage *small;
	void *buf = NULL;
	char err[256];
	int avif;

	(void)argc;
	if (thumb_init(argv[0], &cfg, err, sizeof(err)) != 0) {
		printf("1..0 # SKIP %s\n", err);
		return 0;
	}
	if (ctest_tmpdir("metadata", tmpdir, sizeof(tmpdir)) != 0)
		return 0;
	if ((small = gradient(64, 48)) != NULL &&
	    vips_jpegsave_buffer(small, &buf, &previewlen, "Q", 50, NULL) == 0) {
		preview = malloc(previewlen);
		memcpy(preview, buf, previewlen);
	}
	g_free(buf);
	if (small != NULL)
		g_object_unref(small);
	avif = can_avif();
	src[0] = g_strdup(preview ? make_source("untagged.jpg", 0) : NULL);
	src[1] = g_strdup(preview ? make_source("p3.jpg", 1) : NULL);
	tap(src[0] != NULL && src[1] != NULL, "sources made with EXIF (and a "
	    "preview), XMP, IPTC; one tagged Display P3");
	for (int p3 = 0; p3 < 2; p3++)
		for (size_t o = 0; o < G_N_ELEMENTS(outs); o++)
			check_all(p3 ? "P3 JPEG" : "untagged JPEG", src[p3], p3,
				  o, avif);
	g_free((char *)src[0]);
	g_free((char *)src[1]);
	free(preview);
	thumb_shutdown();
	return ctest_done(tmpdir);
}
