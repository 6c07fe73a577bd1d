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
 * One writer of a run folder.
 * @typedef {object} WriterInfo
 * @property {string} name
 * @property {boolean} live
 * @property {number} updated
 * @property {string | null} error
 * @property {SeriesInfo[]} series
 */

/**
 * @typedef {object} RunInfo
 * @property {string} id
 * @property {string} name
 * @property {boolean} live
 * @property {number} updated ms since 1970 of the last change
 * @property {string | null} error
 * @property {SeriesInfo[]} series every series of any writer
 * @property {WriterInfo[]} [writers] a run folder's writers; absent for a run of one file
 */

/**
 * What one line of a chart (or one block of an array card) reads: a run of one file, one
 * writer of a run folder, or (`agg`) the mean across a run's writers.
 * @typedef {object} Source
 * @property {RunInfo} run
 * @property {SeriesInfo} info the series as this source has it
 * @property {string | null} writer
 * @property {boolean} agg
 * @property {string} key unique on the page
 * @property {string} label
 * @property {(alpha?: number) => string} color its colour, more transparent with a smaller alpha
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
 * @property {(number | null)[]} [lo] the mean across writers: the smallest value of any writer in the bucket
 * @property {(number | null)[]} [hi] the largest
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
 * @property {number | null} [time]
 * @property {number | null} [lo] the mean across writers: the band and how many values made it
 * @property {number | null} [hi]
 * @property {number} [count]
 */

/**
 * The page-wide choices every chart follows.
 * @typedef {object} Settings
 * @property {"auto" | "step" | "time" | "relative" | "row"} x
 * @property {boolean} log
 * @property {number} smooth smoothing weight; 0 draws raw values only
 * @property {"both" | "each" | "mean"} writers a run folder's writers: each writer's line, the mean with its min–max band, or both
 */

/** @typedef {(name: string) => Source[]} RunsWith */

/**
 * @typedef {object} ChartHost
 * @property {Settings} settings
 * @property {RunsWith} runsWith what draws a series: each visible run of one file and writer having it, and the means across writers the settings ask for
 * @property {(source: Source) => Promise<number>} startTime time of a source's first row, for relative time
 */

/** @typedef {import("uplot")} UPlot */
/** @typedef {import("uplot").Options} UPlotOptions */
/** @typedef {import("uplot").AlignedData} AlignedData */
/** @typedef {import("uplot").Series} UPlotSeries */

export {};
