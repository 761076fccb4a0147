/// How a site's local conventions translate into Spar's canonical ones before KPIs are compared across sites:
/// state and reason codes onto ISO 22400 time categories, units of measure, the time zone, shift names.
public struct BlueprintNormalisation: Hashable, Sendable, Codable {
    /// IANA time zone the site's systems report local times in; must be the plant model's zone for the site.
    public var timeZone: String?
    /// Local state/reason codes → ISO 22400 time categories.
    public var reasonCodes: [ReasonRule]
    /// Local units of measure → canonical units.
    public var units: [UnitRule]
    /// Local shift names → plant model shifts.
    public var shifts: [ShiftRule]

    /// Creates a value from its parts.
    public init(
        timeZone: String? = nil, reasonCodes: [ReasonRule] = [], units: [UnitRule] = [], shifts: [ShiftRule] = []
    ) {
        self.timeZone = timeZone
        self.reasonCodes = reasonCodes
        self.units = units
        self.shifts = shifts
    }

    enum CodingKeys: String, CodingKey { case timeZone, reasonCodes, units, shifts }

    /// Decodes the YAML/JSON form; absent lists decode as empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        timeZone = try c.decodeIfPresent(String.self, forKey: .timeZone)
        reasonCodes = try c.decodeIfPresent([ReasonRule].self, forKey: .reasonCodes) ?? []
        units = try c.decodeIfPresent([UnitRule].self, forKey: .units) ?? []
        shifts = try c.decodeIfPresent([ShiftRule].self, forKey: .shifts) ?? []
    }

    /// A local state or reason code and the ISO 22400 time category it means.
    public struct ReasonRule: Hashable, Sendable, Codable {
        /// The site-local name or code.
        public var local: String
        /// A ``TimeCategory`` raw value (`production`, `setup`, `delay`, `down`, `plannedDown`, `idle`).
        public var category: String
        /// True when entering this code is a failure event (FE); needs category `down`.
        public var failure: Bool?

        /// Creates a value from its parts.
        public init(local: String, category: String, failure: Bool? = nil) {
            self.local = local
            self.category = category
            self.failure = failure
        }
    }

    /// A local unit of measure: `quantity in canonical = quantity in local × factor`.
    public struct UnitRule: Hashable, Sendable, Codable {
        /// The site-local name or code.
        public var local: String
        /// The canonical unit, e.g. `unit`, `kg`, `kWh`, `s`.
        public var canonical: String
        /// Multiplier from the local unit to the canonical one (default 1).
        public var factor: Double

        /// Creates a value from its parts.
        public init(local: String, canonical: String, factor: Double = 1) {
            self.local = local
            self.canonical = canonical
            self.factor = factor
        }

        enum CodingKeys: String, CodingKey { case local, canonical, factor }

        /// Decodes the YAML/JSON form; absent lists decode as empty.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            local = try c.decode(String.self, forKey: .local)
            canonical = try c.decode(String.self, forKey: .canonical)
            factor = try c.decodeIfPresent(Double.self, forKey: .factor) ?? 1
        }
    }

    /// A local shift name and the plant model shift it is.
    public struct ShiftRule: Hashable, Sendable, Codable {
        /// The site-local name or code.
        public var local: String
        /// A shift name of one of the site's plant model calendars.
        public var shift: String

        /// Creates a value from its parts.
        public init(local: String, shift: String) {
            self.local = local
            self.shift = shift
        }
    }
}
