// LedgerState snapshots: a versioned binary encoding of everything that is
// not derivable, so start-up loads the snapshot and replays only the tail of
// the log. Indexes that are pure functions of the encoded tables (lookups by
// id or key, lots per product and party, counterparties) are rebuilt.
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "qtrace/host/state.h"
#include "qtrace/storage/keys.h"

namespace qtrace::host {
namespace {

constexpr uint32_t kMagic = 0x51545353;  // "QTSS"
constexpr uint32_t kVersion = 5;

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}
  void U8(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void Var(uint64_t v) {
    while (v >= 0x80) {
      out_->push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_->push_back(static_cast<char>(v));
  }
  void I64(int64_t v) { Var((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void Str(std::string_view s) {
    Var(s.size());
    out_->append(s);
  }
  void Fixed(const void* p, size_t n) { out_->append(static_cast<const char*>(p), n); }

 private:
  std::string* out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool U8(uint8_t* v) {
    if (in_.empty()) return Fail();
    *v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool Var(uint64_t* v) {
    uint64_t r = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return Fail();
      uint8_t b = static_cast<uint8_t>(in_[0]);
      in_.remove_prefix(1);
      r |= uint64_t{b & 0x7f} << shift;
      if ((b & 0x80) == 0) {
        *v = r;
        return true;
      }
    }
    return Fail();
  }
  template <typename T>
  bool Num(T* v) {
    uint64_t x;
    if (!Var(&x) || x > static_cast<uint64_t>(std::numeric_limits<T>::max())) return Fail();
    *v = static_cast<T>(x);
    return true;
  }
  bool I64(int64_t* v) {
    uint64_t x;
    if (!Var(&x)) return false;
    *v = static_cast<int64_t>((x >> 1) ^ (~(x & 1) + 1));
    return true;
  }
  bool Str(std::string* s) {
    uint64_t n;
    if (!Var(&n) || n > in_.size()) return Fail();
    s->assign(in_.substr(0, n));
    in_.remove_prefix(n);
    return true;
  }
  bool Fixed(void* p, size_t n) {
    if (n > in_.size()) return Fail();
    std::memcpy(p, in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  // A count that must fit in what is left (each element takes >= 1 byte).
  bool Count(uint64_t* n) { return Var(n) && (*n <= in_.size() || Fail()); }
  bool ok() const { return ok_; }
  bool done() const { return in_.empty(); }

 private:
  bool Fail() {
    ok_ = false;
    return false;
  }
  std::string_view in_;
  bool ok_ = true;
};

void PutAttrs(Writer& w, const std::vector<AttrValue>& attrs) {
  w.Var(attrs.size());
  for (const auto& a : attrs) {
    w.Str(a.key);
    w.U8(static_cast<uint8_t>(a.type));
    w.Str(a.str);
    w.I64(a.num);
    w.I64(a.scale);
    w.U8(a.flag ? 1 : 0);
  }
}

bool GetAttrs(Reader& r, std::vector<AttrValue>* attrs) {
  uint64_t n;
  if (!r.Count(&n)) return false;
  attrs->resize(n);
  for (auto& a : *attrs) {
    uint8_t type, flag;
    int64_t scale;
    if (!r.Str(&a.key) || !r.U8(&type) || !r.Str(&a.str) || !r.I64(&a.num) || !r.I64(&scale) ||
        !r.U8(&flag)) {
      return false;
    }
    a.type = static_cast<fb::AttrType>(type);
    a.scale = static_cast<int8_t>(scale);
    a.flag = flag != 0;
  }
  return true;
}

}  // namespace

void LedgerState::Serialize(std::string* out) const {
  out->clear();
  Writer w(out);
  w.Fixed(&kMagic, 4);
  w.Fixed(&kVersion, 4);

  w.Var(parties_.size());
  for (const PartyInfo& p : parties_) {
    w.Str(p.id);
    w.Str(p.name);
    w.Str(p.gln);
    w.Str(p.admin_area);
    w.Str(p.webhook);
    w.Var(p.roles);
    w.Var(p.index);
    w.Var(p.sectors.size());
    for (const auto& s : p.sectors) w.Str(s);
    w.Var(p.licences.size());
    for (const auto& l : p.licences) {
      w.Str(l.kind);
      w.Str(l.number);
      w.Str(l.scope);
      w.I64(l.valid_from);
      w.I64(l.valid_to);
    }
    // Keys in the order the party got them, with their state.
    w.Var(p.keys.size());
    for (const KeyId& id : p.keys) {
      const KeyInfo& k = keys_.at(std::string(AsBytes(id)));
      w.Fixed(k.key.raw().data(), 32);
      w.Var(k.added_index);
      w.U8(k.revoked ? 1 : 0);
      w.Var(k.revoked_index);
      w.I64(k.compromised_since);
    }
  }

  w.Var(products_.size());
  for (const ProductInfo& p : products_) {
    w.U8(static_cast<uint8_t>(p.scheme));
    w.Str(p.id);
    w.Str(p.sector);
    w.Str(p.name);
    w.Str(p.default_unit);
    w.Var(p.owner);
    w.Var(p.index);
  }

  w.Var(units_.size());
  for (const UnitInfo& u : units_) {
    w.Str(u.id);
    w.Str(u.site);
    w.Str(u.sector);
    w.U8(static_cast<uint8_t>(u.kind));
    w.Var(u.owner);
    w.Var(u.index);
    w.Var(u.events.size());
    for (const auto& e : u.events) {
      w.U8(static_cast<uint8_t>(e.kind));
      w.I64(e.start);
      w.I64(e.end);
      w.Var(e.input);
      w.I64(e.quantity);
      w.Var(e.index);
    }
  }

  w.Var(lots_.size());
  for (const LotInfo& l : lots_) {
    w.Var(l.product);
    w.Var(l.producer);
    w.Str(l.code);
    w.Str(l.unit);
    w.I64(l.quantity);
    w.I64(l.production_time);
    w.I64(l.production_offset);
    w.I64(l.expiry_time);
    w.Str(l.site);
    w.U8(static_cast<uint8_t>(l.status));
    w.U8(l.voided ? 1 : 0);
    w.Var(l.index);
    w.Var(l.holdings.size());
    for (const Holding& h : l.holdings) {
      w.Var(h.party);
      for (int64_t v : {h.held, h.produced, h.received, h.in_transit, h.shipped, h.used,
                        h.consumed, h.destroyed, h.recovered, h.adjusted}) {
        w.I64(v);
      }
    }
    w.Var(l.custody.size());
    for (const CustodyEvent& c : l.custody) {
      w.Var(c.party);
      w.U8(c.kind);
      w.Var(c.counterparty);
      w.I64(c.quantity);
      w.Var(c.index);
    }
  }

  // Hash maps are written in key order so equal states give equal bytes.
  auto sorted = [](const auto& map) {
    std::vector<const typename std::decay_t<decltype(map)>::value_type*> v;
    v.reserve(map.size());
    for (const auto& kv : map) v.push_back(&kv);
    std::sort(v.begin(), v.end(), [](auto* a, auto* b) { return a->first < b->first; });
    return v;
  };
  w.Var(shipments_.size());
  for (const auto* kv : sorted(shipments_)) {
    const auto& [key, s] = *kv;
    w.Str(key);
    w.Var(s.from);
    w.Var(s.to);
    w.I64(s.time);
    w.Var(s.index);
    w.Var(s.items.size());
    for (const auto& i : s.items) {
      w.Var(i.lot);
      w.I64(i.quantity);
      w.I64(i.received);
    }
    w.Var(s.serials.size());
    for (const auto& sn : s.serials) w.Str(sn);
    w.U8(s.receipted ? 1 : 0);
    w.U8(s.voided ? 1 : 0);
  }

  w.Var(serials_.size());
  for (const auto* kv : sorted(serials_)) {
    const auto& [serial, s] = *kv;
    w.Str(serial);
    w.Var(s.lot);
    w.Var(s.holder);
    w.U8(s.state);
    w.Str(s.parent);
    w.Var(s.index);
  }

  w.Var(pack_history_.size());
  for (const auto* kv : sorted(pack_history_)) {
    const auto& [c, spans] = *kv;
    w.Str(c);
    w.Var(spans.size());
    for (const PackSpan& sp : spans) {
      w.Str(sp.child);
      w.I64(sp.packed);
      w.I64(sp.unpacked);
      w.Var(sp.packed_index);
      w.Var(sp.unpacked_index);
    }
  }

  w.Var(certs_.size());
  for (const CertInfo& c : certs_) {
    w.Str(c.id);
    w.Str(c.kind);
    w.Str(c.standard);
    w.Str(c.scope);
    for (uint32_t v : {c.issuer, c.subject_party, c.subject_product, c.subject_lot, c.subject_unit}) {
      w.Var(v);
    }
    w.I64(c.valid_from);
    w.I64(c.valid_to);
    w.Var(c.index);
    PutAttrs(w, c.attributes);
    w.Var(c.history.size());
    for (const auto& e : c.history) {
      w.U8(static_cast<uint8_t>(e.status));
      w.I64(e.effective);
      w.Var(e.index);
    }
  }
  w.Var(inspections_.size());
  for (const InspectionInfo& i : inspections_) {
    w.Str(i.id);
    w.Str(i.kind);
    w.Str(i.report_no);
    w.Var(i.issuer);
    w.Var(i.lot);
    w.U8(i.pass ? 1 : 0);
    w.I64(i.time);
    w.Var(i.index);
    w.Var(i.failed_items.size());
    for (const auto& f : i.failed_items) w.Str(f);
  }
  w.Var(param_sets_.size());
  for (const ParamSet& p : param_sets_) {
    w.Str(p.sector);
    w.Str(p.set_id);
    w.Var(p.index);
    PutAttrs(w, p.params);
  }

  w.Var(recalls_.size());
  for (const RecallInfo& rc : recalls_) {
    for (const std::string* str : {&rc.id, &rc.sector, &rc.level, &rc.hazard, &rc.reason}) w.Str(*str);
    w.Var(rc.responsible);
    w.Var(rc.ordered_by);
    w.U8(rc.regulator_ordered ? 1 : 0);
    w.U8(static_cast<uint8_t>(rc.depth));
    w.U8(static_cast<uint8_t>(rc.state));
    w.I64(rc.risk_known_at);
    w.I64(rc.decided_at);
    w.Var(rc.index);
    w.Var(rc.rounds);
    w.Str(RecallPlanToJson(rc.plan));
    w.U8(rc.in_situ_done ? 1 : 0);
    w.U8(rc.summary_filed ? 1 : 0);
    for (int64_t v : {rc.started_at, rc.plan_filed_at, rc.completed_at, rc.summary_at,
                      rc.reviewed_at}) {
      w.I64(v);
    }
    w.Var(rc.missed.size());
    for (const auto& m : rc.missed) {
      w.Str(m.what);
      w.Var(m.party);
      w.I64(m.due);
    }
    const RecallScope& sc = rc.scope;
    w.Var(sc.as_of);
    w.Fixed(sc.digest.data(), 32);
    w.Var(sc.lots.size());
    for (LotId l : sc.lots) w.Var(l);
    w.Var(sc.serials.size());
    for (const auto& x : sc.serials) w.Str(x);
    w.Var(sc.holdings.size());
    for (const auto& h : sc.holdings) {
      w.Var(h.party);
      w.Var(h.lot);
      for (int64_t v : {h.received, h.held, h.shipped, h.used, h.consumed, h.destroyed}) w.I64(v);
    }
    w.Var(sc.windows.size());
    for (const auto& win : sc.windows) {
      w.Var(win.unit);
      w.I64(win.start);
      w.I64(win.end);
    }
    w.Var(rc.parties.size());
    for (const auto& [party, p] : rc.parties) {
      w.Var(party);
      w.U8(p.notified ? 1 : 0);
      w.Var(p.round);
      w.Var(p.notice_index);
      for (int64_t v : {p.notified_at, p.ack_due, p.complete_due, p.acked_at, p.last_report_at,
                        p.report_overdue_due}) {
        w.I64(v);
      }
      w.U8(p.acked ? 1 : 0);
      w.U8(p.ack_overdue ? 1 : 0);
      w.U8(p.complete_overdue ? 1 : 0);
      w.U8(p.informational ? 1 : 0);
      w.Var(p.evidence.size());
      for (const auto& e : p.evidence) w.Str(e);
      w.Var(p.reports.size());
      for (const auto& [lot, rep] : p.reports) {
        w.Var(lot);
        for (int64_t v : {rep.recovered, rep.destroyed, rep.consumed, rep.corrected}) w.I64(v);
      }
    }
    w.Var(rc.transitions.size());
    for (const auto& t : rc.transitions) {
      w.U8(static_cast<uint8_t>(t.to));
      w.Var(t.by);
      w.I64(t.at);
      w.Var(t.index);
      w.Str(t.reason);
    }
  }

  std::vector<std::pair<uint64_t, uint64_t>> ids;  // (index, prefix), by index
  ids.reserve(record_ids_.size());
  for (const auto& [prefix, index] : record_ids_) ids.emplace_back(index, prefix);
  std::sort(ids.begin(), ids.end());
  w.Var(ids.size());
  for (const auto& [index, prefix] : ids) {
    w.Fixed(&prefix, 8);
    w.Var(index);
  }
  w.Var(erroneous_.size());
  for (const auto* kv : sorted(erroneous_)) {
    const auto& [index, by] = *kv;
    w.Var(index);
    w.Var(by);
  }
}

StatusOr<std::unique_ptr<LedgerState>> LedgerState::Deserialize(std::string_view bytes,
                                                                 LineageIndex* lineage,
                                                                 EntryLoader load_entry,
                                                                 StateLimits limits) {
  auto bad = [](const std::string& why) {
    return InvalidArgument("state snapshot: " + why, "bad_snapshot");
  };
  auto st = std::make_unique<LedgerState>(lineage, std::move(load_entry), limits);
  Reader r(bytes);
  uint32_t magic = 0, version = 0;
  if (!r.Fixed(&magic, 4) || !r.Fixed(&version, 4) || magic != kMagic) return bad("bad magic");
  if (version != kVersion) return bad("version " + std::to_string(version) + " unknown");

  uint64_t n;
  if (!r.Count(&n)) return bad("truncated parties");
  st->parties_.resize(n);
  for (PartyIdx i = 0; i < n; ++i) {
    PartyInfo& p = st->parties_[i];
    uint64_t ns, nl, nk;
    if (!r.Str(&p.id) || !r.Str(&p.name) || !r.Str(&p.gln) || !r.Str(&p.admin_area) ||
        !r.Str(&p.webhook) || !r.Num(&p.roles) || !r.Var(&p.index) || !r.Count(&ns)) {
      return bad("truncated party");
    }
    p.sectors.resize(ns);
    for (auto& s : p.sectors) r.Str(&s);
    if (!r.Count(&nl)) return bad("truncated licences");
    p.licences.resize(nl);
    for (auto& l : p.licences) {
      r.Str(&l.kind);
      r.Str(&l.number);
      r.Str(&l.scope);
      r.I64(&l.valid_from);
      r.I64(&l.valid_to);
    }
    if (!r.Count(&nk)) return bad("truncated keys");
    for (uint64_t k = 0; k < nk; ++k) {
      RawPublicKey raw;
      KeyInfo info;
      uint8_t revoked = 0;
      if (!r.Fixed(raw.data(), 32) || !r.Var(&info.added_index) || !r.U8(&revoked) ||
          !r.Var(&info.revoked_index) || !r.I64(&info.compromised_since)) {
        return bad("truncated key");
      }
      auto vk = VerifyingKey::FromRaw(raw);
      if (!vk.ok()) return bad("bad key");
      info.key = *vk;
      info.party = i;
      info.party_id = p.id;
      info.roles = p.roles;
      info.revoked = revoked != 0;
      p.keys.push_back(vk->id());
      st->keys_.emplace(std::string(AsBytes(vk->id())), std::move(info));
    }
    st->party_by_id_[p.id] = i;
  }
  if (!r.ok()) return bad("truncated parties");
  st->lots_by_party_.resize(st->parties_.size());
  st->counterparties_.resize(st->parties_.size());

  if (!r.Count(&n)) return bad("truncated products");
  st->products_.resize(n);
  for (ProductIdx i = 0; i < n; ++i) {
    ProductInfo& p = st->products_[i];
    uint8_t scheme;
    if (!r.U8(&scheme) || !r.Str(&p.id) || !r.Str(&p.sector) || !r.Str(&p.name) ||
        !r.Str(&p.default_unit) || !r.Num(&p.owner) || !r.Var(&p.index)) {
      return bad("truncated product");
    }
    p.scheme = static_cast<fb::IdScheme>(scheme);
    st->product_by_key_[storage::KeyBuilder().U8(scheme).Str(p.id).Build()] = i;
  }
  st->lots_by_product_.resize(st->products_.size());

  if (!r.Count(&n)) return bad("truncated units");
  st->units_.resize(n);
  for (UnitIdx i = 0; i < n; ++i) {
    UnitInfo& u = st->units_[i];
    uint8_t kind;
    uint64_t ne;
    if (!r.Str(&u.id) || !r.Str(&u.site) || !r.Str(&u.sector) || !r.U8(&kind) ||
        !r.Num(&u.owner) || !r.Var(&u.index) || !r.Count(&ne)) {
      return bad("truncated unit");
    }
    u.kind = static_cast<fb::UnitKind>(kind);
    u.events.resize(ne);
    for (auto& e : u.events) {
      uint8_t k;
      r.U8(&k);
      e.kind = static_cast<fb::UnitEventKind>(k);
      r.I64(&e.start);
      r.I64(&e.end);
      r.Num(&e.input);
      r.I64(&e.quantity);
      r.Var(&e.index);
    }
    if (u.owner >= st->parties_.size()) return bad("unit owner out of range");
    st->unit_by_key_[storage::KeyBuilder().U32(u.owner).Str(u.id).Build()] = i;
  }

  if (!r.Count(&n)) return bad("truncated lots");
  st->lots_.resize(n);
  for (LotId i = 0; i < n; ++i) {
    LotInfo& l = st->lots_[i];
    uint8_t status, voided;
    int64_t offset;
    uint64_t nh, nc;
    if (!r.Num(&l.product) || !r.Num(&l.producer) || !r.Str(&l.code) || !r.Str(&l.unit) ||
        !r.I64(&l.quantity) || !r.I64(&l.production_time) || !r.I64(&offset) ||
        !r.I64(&l.expiry_time) || !r.Str(&l.site) || !r.U8(&status) || !r.U8(&voided) ||
        !r.Var(&l.index) || !r.Count(&nh)) {
      return bad("truncated lot");
    }
    if (l.product >= st->products_.size() || l.producer >= st->parties_.size()) {
      return bad("lot reference out of range");
    }
    l.production_offset = static_cast<int16_t>(offset);
    l.status = static_cast<fb::LotStatus>(status);
    l.voided = voided != 0;
    auto dim = DimensionOf(l.unit);
    if (!dim.ok()) return bad("bad lot unit");
    l.dim = *dim;
    l.holdings.resize(nh);
    for (Holding& h : l.holdings) {
      r.Num(&h.party);
      for (int64_t* v : {&h.held, &h.produced, &h.received, &h.in_transit, &h.shipped, &h.used,
                         &h.consumed, &h.destroyed, &h.recovered, &h.adjusted}) {
        r.I64(v);
      }
      if (h.party >= st->parties_.size()) return bad("holder out of range");
    }
    if (!r.Count(&nc)) return bad("truncated custody");
    l.custody.resize(nc);
    for (CustodyEvent& c : l.custody) {
      uint8_t kind;
      r.Num(&c.party);
      r.U8(&kind);
      c.kind = static_cast<CustodyEvent::Kind>(kind);
      r.Num(&c.counterparty);
      r.I64(&c.quantity);
      r.Var(&c.index);
    }
    if (!r.ok()) return bad("truncated lot");
    const ProductInfo& p = st->products_[l.product];
    if (!l.voided) {
      st->lot_by_key_.emplace(storage::KeyBuilder()
                                  .U8(static_cast<uint8_t>(p.scheme))
                                  .Str(p.id)
                                  .Str(l.code)
                                  .Build(),
                              i);
    }
    st->lots_by_product_[l.product].push_back(i);
    st->lots_by_party_[l.producer].push_back(i);
    for (const Holding& h : l.holdings) {
      if (h.party != l.producer) st->lots_by_party_[h.party].push_back(i);
    }
  }

  if (!r.Count(&n)) return bad("truncated shipments");
  for (uint64_t i = 0; i < n; ++i) {
    std::string key;
    ShipmentInfo s;
    uint64_t ni, nsn;
    uint8_t receipted, voided;
    if (!r.Str(&key) || !r.Num(&s.from) || !r.Num(&s.to) || !r.I64(&s.time) ||
        !r.Var(&s.index) || !r.Count(&ni)) {
      return bad("truncated shipment");
    }
    s.items.resize(ni);
    for (auto& it : s.items) {
      r.Num(&it.lot);
      r.I64(&it.quantity);
      r.I64(&it.received);
    }
    if (!r.Count(&nsn)) return bad("truncated shipment serials");
    s.serials.resize(nsn);
    for (auto& sn : s.serials) r.Str(&sn);
    r.U8(&receipted);
    r.U8(&voided);
    s.receipted = receipted != 0;
    s.voided = voided != 0;
    if (!r.ok() || s.from >= st->parties_.size() || s.to >= st->parties_.size()) {
      return bad("bad shipment");
    }
    for (auto [a, b] : {std::pair{s.from, s.to}, std::pair{s.to, s.from}}) {
      auto& v = st->counterparties_[a];
      auto pos = std::lower_bound(v.begin(), v.end(), b);
      if (pos == v.end() || *pos != b) v.insert(pos, b);
    }
    st->shipments_.emplace(std::move(key), std::move(s));
  }

  if (!r.Count(&n)) return bad("truncated serials");
  st->serials_.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string serial;
    SerialInfo s;
    uint8_t state;
    if (!r.Str(&serial) || !r.Num(&s.lot) || !r.Num(&s.holder) || !r.U8(&state) ||
        !r.Str(&s.parent) || !r.Var(&s.index)) {
      return bad("truncated serial");
    }
    s.state = static_cast<SerialInfo::State>(state);
    st->serials_.emplace(std::move(serial), std::move(s));
  }

  if (!r.Count(&n)) return bad("truncated pack history");
  for (uint64_t i = 0; i < n; ++i) {
    std::string c;
    uint64_t ns;
    if (!r.Str(&c) || !r.Count(&ns)) return bad("truncated pack history");
    std::vector<PackSpan> spans(ns);
    for (PackSpan& sp : spans) {
      if (!r.Str(&sp.child) || !r.I64(&sp.packed) || !r.I64(&sp.unpacked) ||
          !r.Var(&sp.packed_index) || !r.Var(&sp.unpacked_index)) {
        return bad("truncated pack span");
      }
    }
    st->pack_history_.emplace(std::move(c), std::move(spans));
  }

  if (!r.Count(&n)) return bad("truncated certificates");
  st->certs_.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    CertInfo& c = st->certs_[i];
    uint64_t nh;
    if (!r.Str(&c.id) || !r.Str(&c.kind) || !r.Str(&c.standard) || !r.Str(&c.scope) ||
        !r.Num(&c.issuer) || !r.Num(&c.subject_party) || !r.Num(&c.subject_product) ||
        !r.Num(&c.subject_lot) || !r.Num(&c.subject_unit) || !r.I64(&c.valid_from) ||
        !r.I64(&c.valid_to) || !r.Var(&c.index) || !GetAttrs(r, &c.attributes) || !r.Count(&nh)) {
      return bad("truncated certificate");
    }
    c.history.resize(nh);
    for (auto& e : c.history) {
      uint8_t status;
      r.U8(&status);
      e.status = static_cast<fb::CertStatus>(status);
      r.I64(&e.effective);
      r.Var(&e.index);
    }
    st->cert_by_id_[c.id] = i;
    if (c.subject_lot != kNoIdx) st->certs_by_lot_.emplace(c.subject_lot, i);
    if (c.subject_party != kNoIdx) st->certs_by_party_.emplace(c.subject_party, i);
    if (c.subject_product != kNoIdx) st->certs_by_product_.emplace(c.subject_product, i);
  }
  if (!r.Count(&n)) return bad("truncated inspections");
  st->inspections_.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    InspectionInfo& in = st->inspections_[i];
    uint8_t pass;
    uint64_t nf;
    if (!r.Str(&in.id) || !r.Str(&in.kind) || !r.Str(&in.report_no) || !r.Num(&in.issuer) ||
        !r.Num(&in.lot) || !r.U8(&pass) || !r.I64(&in.time) || !r.Var(&in.index) ||
        !r.Count(&nf)) {
      return bad("truncated inspection");
    }
    in.pass = pass != 0;
    in.failed_items.resize(nf);
    for (auto& f : in.failed_items) r.Str(&f);
    st->inspections_by_lot_.emplace(in.lot, i);
  }
  if (!r.Count(&n)) return bad("truncated parameter sets");
  st->param_sets_.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    ParamSet& p = st->param_sets_[i];
    if (!r.Str(&p.sector) || !r.Str(&p.set_id) || !r.Var(&p.index) || !GetAttrs(r, &p.params)) {
      return bad("truncated parameter set");
    }
    st->current_params_[p.sector] = i;
  }

  if (!r.Count(&n)) return bad("truncated recalls");
  st->recalls_.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    RecallInfo& rc = st->recalls_[i];
    uint8_t reg, depth, state, in_situ, summary;
    std::string plan;
    if (!r.Str(&rc.id) || !r.Str(&rc.sector) || !r.Str(&rc.level) || !r.Str(&rc.hazard) ||
        !r.Str(&rc.reason) || !r.Num(&rc.responsible) || !r.Num(&rc.ordered_by) || !r.U8(&reg) ||
        !r.U8(&depth) || !r.U8(&state) || !r.I64(&rc.risk_known_at) || !r.I64(&rc.decided_at) ||
        !r.Var(&rc.index) || !r.Num(&rc.rounds) || !r.Str(&plan) || !r.U8(&in_situ) ||
        !r.U8(&summary)) {
      return bad("truncated recall");
    }
    rc.regulator_ordered = reg != 0;
    rc.depth = static_cast<fb::RecallDepth>(depth);
    rc.state = static_cast<fb::RecallState>(state);
    rc.in_situ_done = in_situ != 0;
    rc.summary_filed = summary != 0;
    uint64_t nm = 0;
    if (!r.I64(&rc.started_at) || !r.I64(&rc.plan_filed_at) || !r.I64(&rc.completed_at) ||
        !r.I64(&rc.summary_at) || !r.I64(&rc.reviewed_at) || !r.Count(&nm)) {
      return bad("truncated recall milestones");
    }
    rc.missed.resize(nm);
    for (auto& m : rc.missed) {
      if (!r.Str(&m.what) || !r.Num(&m.party) || !r.I64(&m.due)) return bad("truncated recall");
    }
    auto parsed = RecallPlanFromJson(plan);
    if (!parsed.ok()) return bad("bad recall plan");
    rc.plan = std::move(*parsed);
    RecallScope& sc = rc.scope;
    uint64_t k;
    if (!r.Var(&sc.as_of) || !r.Fixed(sc.digest.data(), 32) || !r.Count(&k)) return bad("truncated scope");
    sc.lots.resize(k);
    for (auto& l : sc.lots) r.Num(&l);
    if (!r.Count(&k)) return bad("truncated scope serials");
    sc.serials.resize(k);
    for (auto& x : sc.serials) r.Str(&x);
    if (!r.Count(&k)) return bad("truncated scope holdings");
    sc.holdings.resize(k);
    for (auto& h : sc.holdings) {
      r.Num(&h.party);
      r.Num(&h.lot);
      for (int64_t* v : {&h.received, &h.held, &h.shipped, &h.used, &h.consumed, &h.destroyed}) r.I64(v);
    }
    if (!r.Count(&k)) return bad("truncated scope windows");
    sc.windows.resize(k);
    for (auto& win : sc.windows) {
      r.Num(&win.unit);
      r.I64(&win.start);
      r.I64(&win.end);
    }
    if (!r.Count(&k)) return bad("truncated recall parties");
    for (uint64_t j = 0; j < k; ++j) {
      PartyIdx party;
      PartyRecallProgress p;
      uint8_t notified, acked, ack_overdue, complete_overdue, informational;
      uint64_t ne, nr;
      if (!r.Num(&party) || !r.U8(&notified) || !r.Num(&p.round) || !r.Var(&p.notice_index) ||
          !r.I64(&p.notified_at) || !r.I64(&p.ack_due) || !r.I64(&p.complete_due) ||
          !r.I64(&p.acked_at) || !r.I64(&p.last_report_at) || !r.I64(&p.report_overdue_due) ||
          !r.U8(&acked) || !r.U8(&ack_overdue) || !r.U8(&complete_overdue) ||
          !r.U8(&informational) || !r.Count(&ne)) {
        return bad("truncated recall party");
      }
      p.notified = notified != 0;
      p.acked = acked != 0;
      p.ack_overdue = ack_overdue != 0;
      p.complete_overdue = complete_overdue != 0;
      p.informational = informational != 0;
      p.evidence.resize(ne);
      for (auto& e : p.evidence) r.Str(&e);
      if (!r.Count(&nr)) return bad("truncated recall reports");
      for (uint64_t q = 0; q < nr; ++q) {
        LotId lot;
        PartyRecallProgress::LotReport rep;
        r.Num(&lot);
        for (int64_t* v : {&rep.recovered, &rep.destroyed, &rep.consumed, &rep.corrected}) r.I64(v);
        p.reports[lot] = rep;
      }
      rc.parties[party] = std::move(p);
    }
    if (!r.Count(&k)) return bad("truncated recall transitions");
    rc.transitions.resize(k);
    for (auto& t : rc.transitions) {
      uint8_t to;
      r.U8(&to);
      t.to = static_cast<fb::RecallState>(to);
      r.Num(&t.by);
      r.I64(&t.at);
      r.Var(&t.index);
      r.Str(&t.reason);
    }
    if (!r.ok()) return bad("truncated recall");
    LedgerState::RecomputeRecallTotals(rc);
    st->recall_by_id_[rc.id] = i;
    if (rc.open()) {
      for (LotId l : sc.lots) st->lot_recalls_.emplace(l, i);
      for (const auto& x : sc.serials) st->serial_recalls_[x] = i;
    }
  }
  // Applications by input lot, from the units' events.
  for (UnitIdx u = 0; u < st->units_.size(); ++u) {
    const auto& events = st->units_[u].events;
    for (uint32_t e = 0; e < events.size(); ++e) {
      if (events[e].kind == fb::UnitEventKind::INPUT_APPLIED && events[e].input != kNoIdx) {
        st->applications_by_lot_.emplace(events[e].input, std::make_pair(u, e));
      }
    }
  }

  if (!r.Count(&n)) return bad("truncated record ids");
  st->record_ids_.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t prefix, index;
    if (!r.Fixed(&prefix, 8) || !r.Var(&index)) return bad("truncated record id");
    st->record_ids_.emplace(prefix, index);
  }
  if (!r.Count(&n)) return bad("truncated corrections");
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t index, by;
    if (!r.Var(&index) || !r.Var(&by)) return bad("truncated correction");
    st->erroneous_[index] = by;
  }
  if (!r.ok() || !r.done()) return bad("trailing or truncated data");
  return st;
}

}  // namespace qtrace::host
