import { useEffect, useState } from 'react';
import { locationService } from '@grafana/runtime';
import { PAGES, PLUGIN_BASE_URL, type PageId } from './constants';

export interface Route {
  page: PageId;
  homeId: string | null;
}

/** /a/<plugin>/<page>?home=<id> → the page and home (pure; homes is the default page). */
export function parseRoute(pathname: string, search: string): Route {
  const rest = pathname.startsWith(PLUGIN_BASE_URL) ? pathname.slice(PLUGIN_BASE_URL.length) : pathname;
  const seg = rest.split('/').filter(Boolean)[0] ?? 'homes';
  const page = (PAGES as readonly string[]).includes(seg) ? (seg as PageId) : 'homes';
  const homeId = new URLSearchParams(search).get('home');
  return { page, homeId: homeId && homeId.length > 0 ? homeId : null };
}

export function pageUrl(page: PageId, homeId?: string | null): string {
  return `${PLUGIN_BASE_URL}/${page}${homeId ? `?home=${encodeURIComponent(homeId)}` : ''}`;
}

/** The current route, following Grafana's location service (its history), so links need no reload. */
export function useRoute(): Route {
  const read = () => {
    const l = locationService.getLocation();
    return parseRoute(l.pathname, l.search);
  };
  const [route, setRoute] = useState<Route>(read);
  useEffect(() => locationService.getHistory().listen(() => setRoute(read())), []);
  return route;
}

export const navigate = (page: PageId, homeId?: string | null) => locationService.push(pageUrl(page, homeId));
