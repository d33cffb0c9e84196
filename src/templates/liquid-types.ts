// Types LiquidJS uses in its public signatures but does not export by name from its entry point
// (FilterImpl, FilterHandler, FilterToken), derived from the ones it does export.
import type { FilterImplOptions } from 'liquidjs';

/** A filter function as LiquidJS calls it (`this` is the {@link FilterImpl}). */
export type FilterHandler = Extract<FilterImplOptions, (...args: never[]) => unknown>;

/** What LiquidJS binds `this` to in a filter: the render `context`, the filter `token`, the `liquid` instance. */
export type FilterImpl = ThisParameterType<FilterHandler>;

/** The parsed filter call; its `args` tell keyword arguments (`[name, value]` pairs) from positional ones. */
export type FilterToken = FilterImpl['token'];
