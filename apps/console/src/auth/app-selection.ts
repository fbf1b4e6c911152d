/** The app the console acts on, kept in localStorage across sessions. */
const APP_KEY = 'jobnest.app';

export function readSelectedApp(): string | null {
  return localStorage.getItem(APP_KEY);
}

export function saveSelectedApp(appName: string): void {
  localStorage.setItem(APP_KEY, appName);
}
