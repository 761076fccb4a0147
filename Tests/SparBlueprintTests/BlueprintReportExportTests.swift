import SparCore
import Testing

@testable import SparInterchange

@Suite("Blueprint analysis exports: Markdown report and CSV tables")
struct BlueprintReportExportTests {
    let plant = BlueprintFixtures.plant()

    /// The ranked fixture with system `from` renamed to `to` in the plant and the blueprint.
    func renamed(_ from: String, to: String) -> (PlantModel, Blueprint) {
        func swap(_ ids: [String]) -> [String] { ids.map { $0 == from ? to : $0 } }
        var p = plant
        p.systems = p.systems.map { s in
            var s = s
            if s.id == from { s.id = to }
            return s
        }
        var b = BlueprintFixtures.ranked()
        for i in b.sites.indices {
            b.sites[i].coverage = b.sites[i].coverage.map {
                BlueprintCoverage(system: $0.system == from ? to : $0.system, full: $0.full, partial: $0.partial)
            }
            b.sites[i].dataObjects = b.sites[i].dataObjects.map {
                BlueprintDataObjectUse(
                    object: $0.object, systemOfRecord: swap($0.systemOfRecord), create: swap($0.create),
                    read: swap($0.read), update: swap($0.update), reference: swap($0.reference))
            }
        }
        return (p, b)
    }

    func records(_ csv: String) -> [String] {
        #expect(csv.hasSuffix("\r\n"))
        return csv.components(separatedBy: "\r\n").dropLast().map { $0 }
    }

    @Test("the gap CSV has a header and one row per ranked gap with rank, score, severity, site, kind and subject")
    func gapRows() {
        let rows = records(BlueprintReportCSV.gaps(BlueprintFixtures.ranked().analyze(plant: plant)))
        #expect(
            rows.first
                == "rank,score,severity,site,kind,subject,safety,quality,regulatory,"
                + "systems,elements,kpis,recommendation"
        )
        // score = severity × (safety + quality + regulatory), as worked out in BlueprintAnalysisTests.rankedOrder;
        // the first nine fields hold no comma.
        let leading = rows.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(9) }
            .map { $0.joined(separator: ",") }
        #expect(
            leading == [
                "1,27,3,s,systemOfRecordConflict,routing,3,3,3",  // 3 × (3+3+3)
                "2,27,3,s,missingSystemOfRecord,ncr,3,3,3",  // 3 × (3+3+3), fewer KPIs than routing
                "3,18,2,s,unvalidatedActivity,quality/dataCollection,3,3,3",  // 2 × (3+3+3)
                "4,16,2,s,nonOwnerUpdate,workOrder,2,3,3",  // 2 × (2+3+3)
                "5,10,2,s,unreliableKPI,xls,1,2,2",  // 2 × (1+2+2), quality/performanceAnalysis
                "6,5,1,s,fragmentedKPI,erp + mes + xls,1,2,2",  // 1 × 5
                "7,5,1,s,fragmentedKPI,mes + xls,1,2,2",  // 1 × 5
                "8,3,3,s,missingSystemOfRecord,energyReading,0,0,1",  // 3 × (0+0+1)
                "9,3,3,s,uncoveredActivity,production/detailedScheduling,0,1,0",  // 3 × (0+1+0)
                "10,2,2,s,unsupportedKPI,EC,0,1,0",  // 2 × (0+1+0), production/performanceAnalysis
                "11,1,1,s,fragmentedKPI,erp + mes,0,1,0",  // 1 × 1
            ])
        // A recommendation with commas is quoted; lists are joined with ';'; empty lists are empty fields.
        #expect(
            rows[1]
                == "1,27,3,s,systemOfRecordConflict,routing,3,3,3,mes;erp,,"
                + "oee;nee;effectiveness;actualToPlannedScrapRatio,"
                + "\"routing at s has 2 systems of record (mes and erp): oee, nee, effectiveness and "
                + "actualToPlannedScrapRatio depend on it. Make one the system of record and let the other read or "
                + "reference it, or split the object by scope (for example by product family) and record the split.\"")
        #expect(
            rows[9]
                == "9,3,3,s,uncoveredActivity,production/detailedScheduling,0,1,0,,,,production/detailed scheduling "
                + "at s is covered by no system. Assign a system or list it under outOfScope.")
    }

    @Test("a system named with a quote, a comma and a leading '=' is guarded and quoted in the gap CSV")
    func quotedAndGuardedSystem() throws {
        let (p, b) = renamed("xls", to: "=xls \"rework\", v2")
        let rows = records(BlueprintReportCSV.gaps(b.analyze(plant: p)))
        // '=' first: prefixed with ' ; quote and comma: quoted, the quotes doubled.
        let guarded = "\"'=xls \"\"rework\"\", v2\""
        let unreliable = try #require(rows.first { $0.contains(",unreliableKPI,") })
        #expect(unreliable.hasPrefix("5,10,2,s,unreliableKPI,\(guarded),1,2,2,\(guarded),GQ;SQ;RQ;IP;GP;measurements,"))
        // An activity gap names no elements; its KPIs are the 13 of BlueprintAnalysisTests.recommendations. In the
        // middle of a field the name needs no guard, only the quoting.
        let activity = try #require(rows.first { $0.contains(",unvalidatedActivity,") })
        #expect(
            activity.hasPrefix(
                "3,18,2,s,unvalidatedActivity,quality/dataCollection,3,3,3,\(guarded),,qualityRatio;"
                    + "actualToPlannedScrapRatio;firstPassYield;scrapRatio;reworkRatio;"))
        #expect(activity.contains(",\"quality/data collection at s is only in =xls \"\"rework\"\", v2 (unvalidated):"))
    }

    @Test(
        "one field: quoted for comma, quote, CR and LF; guarded when it starts with = + - @ tab or CR",
        arguments: [
            ("plain", "plain"),
            ("", ""),
            ("a, b", "\"a, b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            ("two\r\nlines", "\"two\r\nlines\""),
            ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@cmd", "'@cmd"),
            ("\tx", "'\tx"),
            ("\rx", "\"'\rx\""),
            ("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
            ("a=b", "a=b"),
            ("'quoted", "'quoted"),
        ])
    func field(value: String, expected: String) {
        #expect(CSVText.table([[value]]) == expected + "\r\n")
    }

    @Test("the ownership CSV has one row per site × data object; a conflict names both systems of record")
    func ownershipRows() throws {
        let rows = records(BlueprintReportCSV.ownership(BlueprintFixtures.ranked().analyze(plant: plant)))
        #expect(
            rows.first
                == "site,object,name,state,systemsOfRecord,creators,updaters,readers,nonOwnerUpdaters,unvalidatedOwners"
        )
        // One site × 15 standard objects, in the standard order.
        #expect(rows.count == 1 + 15)
        #expect(
            rows.dropFirst().map { $0.split(separator: ",").prefix(2).joined(separator: ",") }.prefix(3) == [
                "s,workOrder", "s,routing", "s,bom",
            ])
        #expect(rows.contains("s,routing,routing,conflict,mes;erp,,,,,"))
        #expect(rows.contains("s,workOrder,work order,owned,erp,,mes,,mes,"))
        #expect(rows.contains("s,ncr,nonconformance report,noSystemOfRecord,,,,,,"))
        #expect(rows.contains("s,shiftCalendar,shift calendar,owned,mes,,,,,"))
        #expect(rows.contains("s,bom,bill of materials,outOfScope,,,,,,"))
    }

    @Test("the Markdown grid has a row per category and a column per activity, each cell its state and systems")
    func markdownGrid() {
        let md = BlueprintReportMarkdown.analysis(BlueprintFixtures.ranked().analyze(plant: plant))
        let lines = md.components(separatedBy: "\n")
        let oos = "out of scope"
        #expect(
            lines.contains(
                "| Category | definition management | resource management | detailed scheduling | dispatching | "
                    + "execution management | data collection | tracking | performance analysis |"))
        #expect(
            lines.contains(
                "| production | \(oos) | \(oos) | uncovered | \(oos) | \(oos) | covered: mes | \(oos) | \(oos) |"))
        #expect(
            lines.contains(
                "| quality | \(oos) | \(oos) | \(oos) | \(oos) | \(oos) | "
                    + "unvalidated: xls (not validated) | \(oos) | \(oos) |"
            ))
        #expect(
            lines.contains("| maintenance | \(oos) | \(oos) | \(oos) | \(oos) | \(oos) | \(oos) | \(oos) | \(oos) |"))
        #expect(
            lines.contains(
                "| 9 | 3 | s | uncovered activity | production/detailedScheduling | 0/1/0 | — | "
                    + "production/detailed scheduling at s is covered by no system. "
                    + "Assign a system or list it under outOfScope. |"
            ))
        #expect(lines.contains("| routing | routing | conflict | mes, erp | — | — | — | — | — |"))
        #expect(lines.contains("| workOrder | work order | owned | erp | — | mes | — | mes | — |"))
        // effectiveness = Σ(PRU × PQ) / APT: PRU from routing and workOrder writers (mes, erp), APT and PQ from mes.
        #expect(
            lines.contains(
                "| effectiveness | ISO 22400-2 | fragmented | inputs from 2 systems: erp, mes | erp, mes | "
                    + "APT, PRU, PQ | — |"
            ))
        // comprehensiveEnergyConsumption = EC / PQ: nobody owns the energy reading.
        #expect(
            lines.contains {
                $0.hasPrefix("| comprehensiveEnergyConsumption | ISO 22400-2 | unsupported | nobody supplies EC |")
            }
        )
        #expect(
            lines.contains {
                $0.hasPrefix(
                    "| PRU | planned run time per unit | object routing, object workOrder | mes, erp | — | "
                        + "coverage and ownership |"
                )
            })
        #expect(lines.contains("## Ranked gaps (11)"))
        #expect(lines.contains("## Site s"))
        #expect(lines.contains("- t"))
    }

    @Test("the Markdown header names the versions and the ledger events the analysis saw")
    func markdownHeader() {
        var a = BlueprintFixtures.ranked().analyze(plant: plant)
        #expect(
            BlueprintReportMarkdown.analysis(a).contains("- Suppliers: from the blueprint only (no ledger given)\n"))
        a.blueprintVersion = "bp-1"
        a.plantModelVersion = "pm-2"
        a.observedEvents = 42
        let md = BlueprintReportMarkdown.analysis(a)
        #expect(
            md.hasPrefix(
                "# MOM blueprint analysis\n\n- Blueprint version: bp-1\n- Plant model version: pm-2\n"
                    + "- KPI definitions: k1 over spar-kpi-2 (iso22400-2:2014)\n"
                    + "- Suppliers: from the blueprint and the sources of 42 ledger events\n"))
    }

    @Test("a '|' in a system name is escaped in every table, so the row keeps its columns")
    func markdownPipeEscaped() {
        let (p, b) = renamed("mes", to: "mes|line")
        let lines = BlueprintReportMarkdown.analysis(b.analyze(plant: p)).components(separatedBy: "\n")
        let oos = "out of scope"
        #expect(
            lines.contains(
                "| production | \(oos) | \(oos) | uncovered | \(oos) | \(oos) | covered: mes\\|line | \(oos) | \(oos) |"
            ))
        #expect(lines.contains("| routing | routing | conflict | mes\\|line, erp | — | — | — | — | — |"))
        #expect(!lines.contains { $0.contains("mes|line") })
    }

    @Test(
        "cell escaping: pipes and Markdown punctuation backslash-escaped, every line break one <br>",
        arguments: [
            ("a|b", "a\\|b"),
            ("a\\|b", "a\\\\\\|b"),
            ("one\ntwo\r\nthree\rfour", "one<br>two<br>three<br>four"),
            ("*bold* _x_ `c` [l](u) <b> ~s~ &amp;", "\\*bold\\* \\_x\\_ \\`c\\` \\[l\\](u) \\<b\\> \\~s\\~ \\&amp;"),
            ("mes-opcenter (line 2): 3/3/3", "mes-opcenter (line 2): 3/3/3"),
        ])
    func markdownCell(value: String, expected: String) {
        #expect(BlueprintReportMarkdown.cell(value) == expected)
    }
}
