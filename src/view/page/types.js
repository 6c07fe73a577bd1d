// The shapes of the server's answers (README "Live viewer"), for the type checker only.

/**
 * @typedef {object} SeriesInfo
 * @property {string} name
 * @property {number} rows
 * @property {string | null} dtype
 * @property {number[]} shape row shape: [] for a series of scalars
 * @property {boolean} hasStep
 * @property {boolean} hasTime
 */

/**
 * @typedef {object} RunInfo
 * @property {string} id
 * @property {string} name
 * @property {boolean} live
 * @property {number} updated ms since 1970 of the last change
 * @property {string | null} error
 * @property {SeriesInfo[]} series
 */

/**
 * @typedef {object} Buckets
 * @property {number[]} x0
 * @property {number[]} x1
 * @property {(number | null)[]} min
 * @property {(number | null)[]} max
 * @property {(number | null)[]} first
 * @property {(number | null)[]} last
 * @property {number[]} count
 * @property {number[]} nan
 * @property {number[]} posInf
 * @property {number[]} negInf
 */

/** @typedef {"row" | "step" | "time"} XMode */

/**
 * @typedef {object} SeriesAnswer
 * @property {number} rows
 * @property {XMode} x
 * @property {boolean} monotone
 * @property {Buckets} buckets
 */

/**
 * @typedef {object} Point
 * @property {number | null} row
 * @property {unknown} value
 * @property {number | null} step
 * @property {number | null} time
 */

/**
 * The page-wide choices every chart follows.
 * @typedef {object} Settings
 * @property {"auto" | "step" | "time" | "relative" | "row"} x
 * @property {boolean} log
 * @property {number} smooth smoothing weight; 0 draws raw values only
 */

/** @typedef {(name: string) => { run: RunInfo, info: SeriesInfo }[]} RunsWith */

/**
 * @typedef {object} ChartHost
 * @property {Settings} settings
 * @property {RunsWith} runsWith visible runs having a series, with its info in each
 * @property {(run: string, name: string) => Promise<number>} startTime time of a run's first row, for relative time
 */

/** @typedef {import("uplot")} UPlot */
/** @typedef {import("uplot").Options} UPlotOptions */
/** @typedef {import("uplot").AlignedData} AlignedData */
/** @typedef {import("uplot").Series} UPlotSeries */

export {};
