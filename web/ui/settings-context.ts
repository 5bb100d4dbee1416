/** The settings store, handed to the views by the shell through `@lit/context`. */
import { createContext } from '@lit/context';
import type { SettingsStore } from '../settings.js';

export const settingsContext = createContext<SettingsStore>(Symbol('shoal-settings'));
