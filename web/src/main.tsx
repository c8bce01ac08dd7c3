import "@mantine/core/styles.css";
import "@mantine/charts/styles.css";
import "@mantine/dates/styles.css";
import "./styles.css";
import { MantineProvider, createTheme } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { LocaleProvider } from "./i18n/locale";

const theme = createTheme({ primaryColor: "indigo", primaryShade: 8 });
/** Invalid fields keep readable text: Mantine's error red is below 4.5:1 on white. */
const readableErrors = () => ({ variables: {}, light: { "--mantine-color-error": "#ab091e" }, dark: {} });
const queries = new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } } });

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={readableErrors}>
      <QueryClientProvider client={queries}>
        <LocaleProvider>
          <App />
        </LocaleProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
