/* qtrace plugin ABI: the one boundary between qtraced and a sector plugin.
 *
 * A plugin is a shared library that exports exactly one C symbol,
 * `qtrace_plugin_entry`, returning a pointer to a static, size-prefixed
 * qt_plugin_descriptor: who the plugin is (name, version, rule-set, the
 * sectors and record types it checks) and what it can do (function
 * pointers). The host passes the plugin an append-only table of host
 * services (qt_host_api): logging and read-only lookups served from the
 * sequencer's in-memory ledger state. Modelled on Envoy's dynamic-module
 * abi.h, SQLite's sqlite3ext.h and PostgreSQL's PG_MODULE_MAGIC.
 *
 * Rules of the boundary (see Boost.DLL's "missuses" for why):
 *   - Only C types cross: integers, `const char*`/byte spans, structs of
 *     them, function pointers. Structured data crosses as flatbuffers bytes
 *     (sdk/schemas/record.fbs for records, sdk/schemas/plugin.fbs for plugin
 *     messages). No exception, C++ object, std::function, shared_ptr or
 *     plugin-owned heap memory ever crosses.
 *   - Results and error messages are written through host-owned sinks
 *     (qt_sink) and copied by the host; the host runs the flatbuffers
 *     Verifier on every buffer a plugin returns.
 *   - Every pointer has an OWNERSHIP: note saying who owns it and how long it
 *     is valid.
 *   - Checks are reentrant: the host may call check_record / check_certification /
 *     plan_recall on one instance from several threads at once (today it
 *     calls them from the single sequencer thread). They must not read the
 *     clock or any other ambient state: every time they need comes in the
 *     record (event times) or in qt_check_input (the host's record_time).
 *   - Versioning: ABI major changes break; a host loads only plugins of its
 *     own major. Minor versions only append fields to the end of structs
 *     (descriptor, host api, check input); each struct starts with
 *     struct_size so either side can tell which fields the other knows. A
 *     plugin built for an older minor works with a newer host; a plugin
 *     built for a newer minor than the host is refused.
 *
 * This header is pure C (only <stddef.h> and <stdint.h>) so a plugin may be
 * written in any language with a C FFI. C++ authors use qtrace/plugin/plugin.h,
 * which turns a class into a descriptor with one macro.
 */
#ifndef QTRACE_PLUGIN_ABI_H_
#define QTRACE_PLUGIN_ABI_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- versions and names -------------------------------------------------- */

#define QT_PLUGIN_ABI_MAJOR 1
#define QT_PLUGIN_ABI_MINOR 0

/* The one exported symbol. Its type is qt_plugin_entry_fn. */
#define QT_PLUGIN_ENTRY_SYMBOL "qtrace_plugin_entry"

/* The payload type of qtrace records (record.fbs, root Record). */
#define QT_RECORD_PAYLOAD_TYPE "qtrace.v1.Record"

/* ---- status codes ------------------------------------------------------------
 * Every function that can fail returns a qt_status. QT_OK means the call did
 * its job: for a check, that the verdict (accept OR reject) is in the sink.
 * Any other code means the call itself failed; the host then refuses the
 * record with reason plugin_failed and, for a plugin function, treats the
 * sink's content as a UTF-8 error message. */
typedef int32_t qt_status;
#define QT_OK 0
#define QT_ERR_INVALID_ARGUMENT 1 /* the input makes no sense to the callee */
#define QT_ERR_NOT_FOUND 2        /* host lookup: no such lot/party/... */
#define QT_ERR_UNSUPPORTED 3      /* the callee does not offer this */
#define QT_ERR_TOO_LARGE 4        /* a sink refused more bytes (see qt_sink) */
#define QT_ERR_INTERNAL 5         /* a bug or failure in the callee */

/* ---- spans and sinks --------------------------------------------------------- */

/* A borrowed UTF-8 string (not necessarily NUL-terminated).
 * OWNERSHIP: data belongs to whoever passed the span; valid as documented
 * at each use (never beyond the call that received it). */
typedef struct qt_str {
  const char* data;
  size_t size;
} qt_str;

/* A borrowed byte span. Flatbuffers passed in a qt_bytes are 8-byte aligned.
 * OWNERSHIP: as qt_str. */
typedef struct qt_bytes {
  const uint8_t* data;
  size_t size;
} qt_bytes;

/* A host-owned output buffer. The callee appends bytes with write(); the
 * host copies them, so the callee may free its own buffer right after.
 * write() returns QT_OK, or QT_ERR_TOO_LARGE when the sink's limit (1 MiB
 * for results) would be exceeded, in which case nothing is appended.
 * OWNERSHIP: the sink and host_data belong to the host; valid only during
 * the call that received the sink. `data` passed to write() is borrowed
 * for the duration of write(). */
typedef struct qt_sink qt_sink;
struct qt_sink {
  qt_status (*write)(qt_sink* self, const void* data, size_t size);
  void* host_data; /* OWNERSHIP: host; opaque to the plugin */
};

/* ---- host services ------------------------------------------------------------- */

/* Opaque handle to the state a check runs against (the sequencer's
 * in-memory ledger state, including the earlier records of the same group,
 * plus the record under check). OWNERSHIP: host; valid only during the
 * check_record / check_certification / plan_recall call that received it;
 * never store it. */
typedef struct qt_lookup qt_lookup;

/* Log levels for qt_host_api.log. */
#define QT_LOG_DEBUG 0
#define QT_LOG_INFO 1
#define QT_LOG_WARN 2
#define QT_LOG_ERROR 3

/* Certificate subjects for qt_host_api.list_certificates. */
#define QT_SUBJECT_LOT 0     /* key: scheme + product + lot */
#define QT_SUBJECT_PRODUCT 1 /* key: scheme + product */
#define QT_SUBJECT_PARTY 2   /* key: product = party id */

/* The table of host services. Append-only: a new minor adds function
 * pointers at the end and raises struct_size; a plugin that needs a newer
 * service checks struct_size (or abi_minor) before calling it.
 *
 * Every lookup answers with a flatbuffer from plugin.fbs (named at each
 * entry) through `*out`, or returns QT_ERR_NOT_FOUND (and an empty *out).
 * OWNERSHIP of an answer: the host; valid until the plugin call that
 * received `lookup` returns. Answers are built by the host from verified
 * state; the plugin need not verify them.
 * Lot references are (scheme, product, lot) with scheme a qtrace.fb.IdScheme
 * value. Times are microseconds since the Unix epoch (UTC). Quantities in
 * answers that end in `_micro` are micro-units of the lot's base unit
 * (KGM, LTR, H87, ...: see LotInfo.base_unit). */
typedef struct qt_host_api qt_host_api;
struct qt_host_api {
  uint32_t struct_size; /* sizeof(qt_host_api) the host was built with */
  uint16_t abi_major;
  uint16_t abi_minor;
  /* The host's version, "MAJOR.MINOR.PATCH". OWNERSHIP: host; static. */
  const char* host_version;
  /* OWNERSHIP: host; opaque, identifies the plugin to the host. */
  void* host_data;

  /* Writes one line to the host's log, tagged with the plugin's name.
   * `message` is borrowed for the call. Callable from create() on. */
  void (*log)(const qt_host_api* self, int32_t level, qt_str message);

  /* A lot with its registration: product, sector, producer, quantity,
   * times, site, status, attributes, certificate refs, inputs, units
   * (plugin.fbs LotInfo). When the record under check registers this lot,
   * the answer comes from that record (LotInfo.pending = true). */
  qt_status (*get_lot)(qt_lookup* lookup, uint8_t scheme, qt_str product, qt_str lot,
                       qt_bytes* out);
  /* The input lots of a lot, each with the quantity consumed and the edge
   * kind (plugin.fbs InputList), in one answer. Works for the lot the
   * record under check registers too. */
  qt_status (*get_lot_inputs)(qt_lookup* lookup, uint8_t scheme, qt_str product, qt_str lot,
                              qt_bytes* out);
  /* Per-party balances of a lot (plugin.fbs Balances). */
  qt_status (*get_balances)(qt_lookup* lookup, uint8_t scheme, qt_str product, qt_str lot,
                            qt_bytes* out);
  /* A production unit of `owner` with its events whose [start, end]
   * overlaps [from, to] (plugin.fbs UnitInfo). from = to = 0: every event. */
  qt_status (*get_unit)(qt_lookup* lookup, qt_str owner, qt_str unit_id, int64_t from,
                        int64_t to, qt_bytes* out);
  /* A party: roles, sectors, licences (plugin.fbs PartyInfo). */
  qt_status (*get_party)(qt_lookup* lookup, qt_str party_id, qt_bytes* out);
  /* A certificate with its status history (plugin.fbs CertificateInfo). */
  qt_status (*get_certificate)(qt_lookup* lookup, qt_str cert_id, qt_bytes* out);
  /* Certificates whose subject is a lot, product or party (QT_SUBJECT_*),
   * in log order (plugin.fbs CertificateList; empty list, not NOT_FOUND,
   * when the subject exists but has none). */
  qt_status (*list_certificates)(qt_lookup* lookup, int32_t subject_kind, uint8_t scheme,
                                 qt_str product, qt_str lot, qt_bytes* out);
  /* The newest rule-parameter set of a sector (plugin.fbs ParamSet). */
  qt_status (*get_rule_params)(qt_lookup* lookup, qt_str sector, qt_bytes* out);
  /* Inspections (spot checks, lab tests) of a lot (plugin.fbs InspectionList). */
  qt_status (*get_inspections)(qt_lookup* lookup, uint8_t scheme, qt_str product, qt_str lot,
                               qt_bytes* out);
  /* ABI 1.1+ appends here. */
};

/* ---- calls ------------------------------------------------------------------------ */

/* What check_record and check_certification receive.
 * OWNERSHIP: the struct and everything it points to belong to the host and
 * are valid only during the call. */
typedef struct qt_check_input {
  uint32_t struct_size; /* sizeof(qt_check_input) the host was built with */
  /* The payload type of the envelope, e.g. QT_RECORD_PAYLOAD_TYPE. */
  qt_str payload_type;
  /* The exact signed payload bytes, already verified by the host (for
   * QT_RECORD_PAYLOAD_TYPE: a qtrace.fb.Record, 8-byte aligned). */
  qt_bytes record;
  /* The log index the record gets if accepted, and the host's time stamp
   * (record_time, microseconds since the epoch, UTC). The only "now" a
   * check may use. */
  uint64_t log_index;
  int64_t record_time;
  /* SHA-256 record id, 32 bytes. */
  const uint8_t* record_id;
  /* The party whose key signed the record. */
  qt_str signer;
  /* The sector this call is for (a shipment of lots of two sectors is
   * checked once by each sector's plugin). */
  qt_str sector;
  /* The id of the sector's current rule-parameter set ("" when none); the
   * host stores it in the decision. Fetch the values with get_rule_params. */
  qt_str param_set;
  /* Handle for the host's lookups. */
  qt_lookup* lookup;
  /* ABI 1.1+ appends here. */
} qt_check_input;

/* What plan_recall receives. OWNERSHIP: as qt_check_input. */
typedef struct qt_recall_input {
  uint32_t struct_size; /* sizeof(qt_recall_input) the host was built with */
  /* plugin.fbs RecallRequest: the order (id, level, hazard, depth, seed
   * kinds, risk-known time) the host wants a plan for. 8-byte aligned. */
  qt_bytes request;
  qt_str sector;
  qt_str param_set;
  qt_lookup* lookup;
  /* ABI 1.1+ appends here. */
} qt_recall_input;

/* ---- the descriptor ------------------------------------------------------------------ */

/* Capability flags. */
#define QT_CAP_CHECK_RECORD (1u << 0)        /* check_record (required) */
#define QT_CAP_CHECK_CERTIFICATION (1u << 1) /* check_certification is set */
#define QT_CAP_PLAN_RECALL (1u << 2)         /* plan_recall is set */
#define QT_CAP_REENTRANT (1u << 3)           /* checks may run concurrently */

/* The descriptor a plugin returns. The host checks, in order: struct_size
 * (>= QT_PLUGIN_DESCRIPTOR_MIN_SIZE), abi_major (== the host's), abi_minor
 * (<= the host's), min_host_version (<= the host's), the required fields
 * and function pointers, then that name and sectors are not taken by an
 * already loaded plugin. Each refusal names the file and the field.
 *
 * OWNERSHIP: the descriptor and every string and array it points to belong
 * to the plugin and must be static: valid, unchanged, for as long as the
 * library is loaded (the host keeps plugins loaded for the life of the
 * process). */
typedef struct qt_plugin_descriptor {
  uint32_t struct_size; /* sizeof(qt_plugin_descriptor) the plugin was built with */
  uint16_t abi_major;   /* QT_PLUGIN_ABI_MAJOR */
  uint16_t abi_minor;   /* QT_PLUGIN_ABI_MINOR */

  /* Unique plugin name, [a-z0-9_]{1,64}; stored in every decision. */
  const char* name;
  /* The plugin's version, "MAJOR.MINOR.PATCH". */
  const char* version;
  /* The version of the rules it enforces, e.g. "leaf-springs/2026.1";
   * stored in every decision so an audit can say which rules accepted a
   * record. */
  const char* rule_set;
  /* The oldest host version it works with, "MAJOR.MINOR.PATCH". */
  const char* min_host_version;
  /* QT_CAP_* bits. */
  uint64_t capabilities;

  /* The sectors it owns (ProductRegistration.sector values), as a
   * NULL-terminated array of [a-z0-9_.-] strings; at least one. Each sector
   * has at most one plugin. */
  const char* const* sectors;
  /* Payload types it understands, NULL-terminated; NULL means only
   * QT_RECORD_PAYLOAD_TYPE. */
  const char* const* payload_types;
  /* The record body types (qtrace.fb.Body union values) check_record is
   * called for; records of other types of its sectors pass without a call.
   * OWNERSHIP: plugin, static; body_type_count entries. */
  const uint8_t* body_types;
  uint32_t body_type_count;

  /* Makes the per-instance state. `host` (OWNERSHIP: host; valid until
   * destroy() of this instance returns) gives the host services.
   * `config` is the plugin's configuration as UTF-8 JSON text (may be
   * empty; OWNERSHIP: host, valid during the call). On success stores the
   * instance in *instance (OWNERSHIP: plugin; the host passes it back and
   * releases it only through destroy()). On failure writes a message to
   * `error`. Required. */
  qt_status (*create)(const qt_host_api* host, qt_bytes config, void** instance,
                      qt_sink* error);
  /* Frees an instance made by create(). Required. */
  void (*destroy)(void* instance);
  /* Writes a plugin.fbs Description (the sector's attribute keys, types,
   * which are required, rules and parameters: for docs and validation
   * messages) to `out`. Required. */
  qt_status (*describe)(void* instance, qt_sink* out);
  /* Checks a record's trace rules: writes a plugin.fbs CheckResult
   * (accept, or reject with every reason) to `out`. Required. */
  qt_status (*check_record)(void* instance, const qt_check_input* in, qt_sink* out);
  /* Checks the certificates and licences a record relies on, at the time
   * of the event (production date, ship date; never "today"): writes a
   * CheckResult. Called after check_record accepted. Required when
   * capabilities has QT_CAP_CHECK_CERTIFICATION, else may be NULL. */
  qt_status (*check_certification)(void* instance, const qt_check_input* in, qt_sink* out);
  /* Plans a recall of the plugin's sector: writes a plugin.fbs RecallPlan
   * of DECLARATIVE rules (which edge kinds propagate, windows, serial-level
   * scope, depth, deadlines with their calendar, who is notified, closing
   * criteria) that the host applies while it traverses the lineage — the
   * plugin is called once per recall, never once per lot. Required when
   * capabilities has QT_CAP_PLAN_RECALL, else may be NULL. */
  qt_status (*plan_recall)(void* instance, const qt_recall_input* in, qt_sink* out);
  /* ABI 1.1+ appends here. */
} qt_plugin_descriptor;

/* The size of an ABI 1.0 descriptor: the least struct_size a host accepts. */
#define QT_PLUGIN_DESCRIPTOR_MIN_SIZE \
  (offsetof(qt_plugin_descriptor, plan_recall) + sizeof(void*))

/* The entry point. Returns the plugin's static descriptor (OWNERSHIP:
 * plugin, static), or NULL when the plugin cannot run (the host refuses
 * it). Must not throw, allocate host-visible memory or have side effects:
 * the host may call it more than once. */
typedef const qt_plugin_descriptor* (*qt_plugin_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* QTRACE_PLUGIN_ABI_H_ */
